"""A live platform for the SDK test suites (Python and JS): Daphne + workers on the embedded
services of one var dir, and an owner API key for a test project written to an env file.

    .venv/bin/python sdk/testing/live_server.py start --var-dir DIR --port P --env-file FILE
    .venv/bin/python sdk/testing/live_server.py stop --var-dir DIR

`start` returns once /readyz answers; the server keeps running in the background (its own
sessions, pid files and logs under DIR/run and DIR/log) until `stop`. The env file gets

    AGENT_PLATFORM_BASE_URL=http://127.0.0.1:P
    AGENT_PLATFORM_API_KEY=ap_...
    AGENT_PLATFORM_PROJECT=sdk-test

so a suite can `source` it (or read it) without importing anything from the platform. Run it
with the project's venv: it drives `agent_platform.serve` and `manage.py`, the same entry
points as `make up`. The SDK suites themselves never import Django.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(var_dir: Path, port: int | None = None) -> dict[str, str]:
    env = {**os.environ, "PLATFORM_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "agent_platform.settings",
           "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}
    if port is not None:
        env["PLATFORM_PORT"] = str(port)
        env["PLATFORM_HOST"] = "127.0.0.1"
    return env


def start(var_dir: Path, port: int, env_file: Path, project: str) -> int:
    var_dir.mkdir(parents=True, exist_ok=True)
    env = _env(var_dir, port)
    # `serve up`: embedded PostgreSQL + Redis, migrate, Daphne, the worker supervisor; waits for /readyz.
    up = subprocess.run([sys.executable, "-m", "agent_platform.serve", "up"], cwd=ROOT, env=env)
    if up.returncode != 0:
        print(f"live server: `serve up` failed (exit {up.returncode}); see {var_dir}/log", file=sys.stderr)
        return up.returncode
    key = subprocess.run([sys.executable, "manage.py", "create_api_key", "--project", project, "--role", "owner",
                          "--name", "sdk-tests"], cwd=ROOT, env=env, capture_output=True, text=True)
    if key.returncode != 0:
        print(f"live server: create_api_key failed: {key.stderr.strip()}", file=sys.stderr)
        return key.returncode
    raw = key.stdout.strip().splitlines()[-1]
    env_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds a key: owner-only
    with os.fdopen(fd, "w") as handle:
        handle.write(f"AGENT_PLATFORM_BASE_URL=http://127.0.0.1:{port}\n"
                     f"AGENT_PLATFORM_API_KEY={raw}\n"
                     f"AGENT_PLATFORM_PROJECT={project}\n")
    print(f"live server at http://127.0.0.1:{port} (project {project}); env in {env_file}")
    return 0


def stop(var_dir: Path) -> int:
    return subprocess.run([sys.executable, "-m", "agent_platform.serve", "down"], cwd=ROOT,
                          env=_env(var_dir)).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start_cmd = commands.add_parser("start", help="start the platform in the background and write the env file")
    start_cmd.add_argument("--var-dir", required=True, type=Path)
    start_cmd.add_argument("--port", required=True, type=int)
    start_cmd.add_argument("--env-file", required=True, type=Path)
    start_cmd.add_argument("--project", default="sdk-test", help="project slug for the key (default sdk-test)")
    stop_cmd = commands.add_parser("stop", help="stop the platform and its embedded services")
    stop_cmd.add_argument("--var-dir", required=True, type=Path)
    args = parser.parse_args(argv)
    if args.command == "start":
        return start(args.var_dir.resolve(), args.port, args.env_file.resolve(), args.project)
    return stop(args.var_dir.resolve())


if __name__ == "__main__":
    sys.exit(main())
