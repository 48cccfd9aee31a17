"""Chat model protocol and provider adapters (see `base.py`)."""
