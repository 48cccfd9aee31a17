"""Eval tests use the end-to-end stack (a real Daphne server and platform worker) for execution."""
from tests.e2e.conftest import e2e_project, http, stack  # noqa: F401  (fixtures)
