"""The API's resources, one module each (agents, workflows, runs, tools, ...)."""
