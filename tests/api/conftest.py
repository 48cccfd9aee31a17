"""The real-server fixtures (one Daphne and one worker per module) for the input-boundary tests."""
from tests.e2e.conftest import e2e_project, http, stack  # noqa: F401
