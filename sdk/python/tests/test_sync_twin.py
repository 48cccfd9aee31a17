"""The sync client is generated from the async one: the committed `_sync/` must be up to date."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "unasync.py"


@pytest.mark.skipif(not SCRIPT.exists(), reason="run from the source tree")
def test_sync_package_is_generated_from_the_async_one() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
