# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""The synchronous client; `_sync/` is generated from this package by scripts/unasync.py."""
