from tests.artifacts.backends import artifacts_backend, moto_server  # noqa: F401
