"""Real-server fixtures (one Daphne and a worker per module, started only by the tests that ask)."""
from tests.e2e.conftest import e2e_project, http, stack  # noqa: F401
