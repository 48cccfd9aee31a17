# Agent Platform: `make demo` (fresh machine: install, start, run the demo) and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
REQS := requirements.txt requirements-dev.txt requirements-local.txt requirements-embed.txt
STAMP := $(VENV)/.installed

.PHONY: install demo up down test test-tools test-external test-sdk lint bench clean

install: $(STAMP)

$(STAMP): $(REQS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install -q $(addprefix -r ,$(REQS))
	$(PY) -m pip check
	touch $(STAMP)

demo: install
	$(PY) -m agent_platform.serve up
	$(PY) manage.py demo

up: install
	$(PY) -m agent_platform.serve up

down:
	$(PY) -m agent_platform.serve down

# Tests run on their own embedded services (var/test), apart from a running `make up`.
# The chaos test (kill -9 of PostgreSQL and Redis) runs in a pytest process of its own.
test: install test-tools
	PLATFORM_VAR_DIR=$(CURDIR)/var/test $(PY) -m pytest -q -p no:cacheprovider -m "not chaos"
	PLATFORM_VAR_DIR=$(CURDIR)/var/test $(PY) -m pytest -q -p no:cacheprovider -m chaos

# Test-only tools from Debian: headless Chromium for the console browser tests (never a browser
# download); HAProxy and wrk for the scaling test (tests/e2e/test_scaling.py, bench/scale.py).
TEST_TOOLS := /usr/bin/chromium /usr/sbin/haproxy /usr/bin/wrk
test-tools:
	@missing=""; for tool in $(TEST_TOOLS); do [ -x $$tool ] || missing="$$missing $$(basename $$tool)"; done; \
	  [ -z "$$missing" ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; } \
	  || { echo "the tests need Debian's$$missing: sudo apt-get install$$missing"; exit 1; }

# The service-facing tests again, against the Redis server at REDIS_URL (CI: 127.0.0.1:6379).
test-external: install
	PLATFORM_VAR_DIR=$(CURDIR)/var/test REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(PY) -m pytest -q -p no:cacheprovider -m "not slow" tests/platform tests/accounts tests/runs tests/e2e

# The SDK suites against a live server (sdk/testing/live_server.py: Daphne + workers on var/sdk-test).
# The Python SDK is installed from its folder into a fresh venv that has only it and its test deps.
SDK_VAR := $(CURDIR)/var/sdk-test
SDK_VENV := $(CURDIR)/var/sdk-venv
SDK_PORT ?= 18765
test-sdk: install
	rm -rf $(SDK_VENV)
	$(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/python -m pip install -q "./sdk/python[test]"
	set -e; trap '$(PY) sdk/testing/live_server.py stop --var-dir $(SDK_VAR) >/dev/null 2>&1 || true' EXIT; \
	  $(PY) sdk/testing/live_server.py start --var-dir $(SDK_VAR) --port $(SDK_PORT) --env-file $(SDK_VAR)/sdk.env; \
	  (cd sdk/python && AGENT_PLATFORM_ENV_FILE=$(SDK_VAR)/sdk.env $(SDK_VENV)/bin/python -m pytest -q -p no:cacheprovider tests); \
	  : "JS SDK suite (sdk/js) below this line, with AGENT_PLATFORM_ENV_FILE=$(SDK_VAR)/sdk.env"; \
	  (cd sdk/js && npm ci --no-audit --no-fund && AGENT_PLATFORM_ENV_FILE=$(SDK_VAR)/sdk.env npm test); \
	  : "end of the SDK suites"

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy runtime

bench: install
	for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean: down
	rm -rf var
