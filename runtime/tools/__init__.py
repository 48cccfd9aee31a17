"""Tool protocol, specs, the call executor and the built-in tools."""
