# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""The API's resources, one module each (agents, workflows, runs, tools, ...)."""
