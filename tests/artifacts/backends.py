"""The artifacts storage under test: the filesystem, or a real S3-compatible server on 127.0.0.1
(moto's standalone server, a subprocess). Tests that take `artifacts_backend` run on both."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agent_platform import artifacts
from tests.e2e.servers import free_port, wait_until

S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                  "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass
class Backend:
    name: str
    env: dict[str, str] = field(default_factory=dict)  # for child processes (servers, workers)

    def settings_entry(self, var_dir: Path) -> dict:
        return artifacts.storage_settings(var_dir, self.env)


class MotoServer:
    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     env={**os.environ, **S3_CREDENTIALS}, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._up, timeout_s=60, what=f"moto server on {self.port} (see {log})")

    def _up(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def create_bucket(self) -> str:
        import boto3

        name = f"artifacts-{uuid.uuid4().hex[:10]}"
        boto3.client("s3", endpoint_url=self.url, **_boto_credentials()).create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()


def _boto_credentials() -> dict:
    return {"aws_access_key_id": S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            "region_name": S3_CREDENTIALS["AWS_DEFAULT_REGION"]}


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def artifacts_backend(request, settings, tmp_path, monkeypatch):
    """Point STORAGES["artifacts"] at a fresh filesystem directory or a fresh bucket."""
    if request.param == "filesystem":
        backend = Backend("filesystem", {"PLATFORM_ARTIFACTS_DIR": str(tmp_path / "artifacts")})
    else:
        server = request.getfixturevalue("moto_server")
        for name, value in S3_CREDENTIALS.items():
            monkeypatch.setenv(name, value)
        backend = Backend("s3", {"PLATFORM_ARTIFACTS_S3_BUCKET": server.create_bucket(),
                                 "PLATFORM_ARTIFACTS_S3_ENDPOINT_URL": server.url, **S3_CREDENTIALS})
    settings.STORAGES = {**settings.STORAGES, artifacts.ALIAS: backend.settings_entry(tmp_path)}
    return backend
