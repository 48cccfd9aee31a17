"""The viewer's live script (static/admin-console/run-live.js), run under Node with a minimal DOM:
it asks for events after the last one it has, shows each event once and stops at the terminal one."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js to run the browser script")


def run_script(pages: list[dict]) -> dict:
    harness = Path(__file__).with_name("live_script_harness.js")
    script = ROOT / "static" / "admin-console" / "run-live.js"
    done = subprocess.run([NODE, str(harness), str(script), json.dumps(pages)], capture_output=True, text=True,
                          timeout=30, check=True)
    return json.loads(done.stdout)


def event(seq: int, type: str) -> dict:
    return {"seq": seq, "type": type, "offset": f"+{seq} ms", "summary": "{}", "pretty": "{}"}


def test_polls_after_the_last_seq_and_stops_at_the_terminal_event():
    result = run_script([
        {"data": [event(3, "model.delta")], "status": "running", "terminal": False},
        {"data": [], "status": "running", "terminal": False},
        {"data": [event(3, "model.delta"), event(4, "run.succeeded")], "status": "succeeded", "terminal": True},
        {"data": [event(5, "never.fetched")], "status": "succeeded", "terminal": True},
    ])
    assert result["urls"] == ["/events.json?after_seq=2", "/events.json?after_seq=3", "/events.json?after_seq=3"]
    assert result["rows"] == [[3, "model.delta"], [4, "run.succeeded"]]  # seq 3 shown once
    assert result["live_hidden"] and result["finished_shown"] and result["status"] == "succeeded"


def test_stops_when_the_run_ended_before_the_page_was_rendered():
    result = run_script([{"data": [], "status": "failed", "terminal": True}])
    assert result["urls"] == ["/events.json?after_seq=2"]
    assert result["finished_shown"] and result["status"] == "failed"
