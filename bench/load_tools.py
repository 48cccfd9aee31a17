"""Parts of the scaling measurement shared by `bench/scale.py` and `tests/e2e/test_scaling.py`:

- `EffectCounter`: a real HTTP server on 127.0.0.1 whose `/effect?token=T` counts calls per token
  (each run's agent calls it once with the run's own token: a count of 2 is a run executed twice);
- `LoadBalancer`: HAProxy (Debian's `haproxy`) round-robin over several Daphne processes;
- `create_runs_with_wrk`: wrk (Debian's `wrk`) creating runs with POST /api/v1/runs from a Lua
  script, each request with a unique token, bounded in count (per thread) and in time;
- `agent_script`: the scripted agent that makes the counted call, then answers.
"""
from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

AGENT = "scale"


def agent_script(effect_url: str) -> list[dict]:
    """One counted tool call with the run's token (its input message), then a one-word answer."""
    return [{"tool_calls": [{"name": "http", "arguments": {"method": "GET", "url": effect_url + "?token={message}"}}]},
            {"text": "ok"}]


class EffectCounter:
    """`GET /effect?token=T` counts T; everything else is 404."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                url = urlparse(self.path)
                if url.path != "/effect":
                    self.send_error(404)
                    return
                token = parse_qs(url.query).get("token", [""])[0]
                with outer._lock:
                    outer.counts[token] += 1
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/effect"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> EffectCounter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.counts)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require(tool: str, package: str) -> str:
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)
    if path is None:
        raise RuntimeError(f"{tool} is not installed: apt-get install {package}")
    return path


class LoadBalancer:
    """HAProxy in the foreground, round-robin over `backends` (http://127.0.0.1:port), with health checks
    on /readyz and hour-long timeouts for streams."""

    def __init__(self, backends: list[str], log_dir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        servers = "\n".join(f"    server api{i} {urlparse(b).netloc} check inter 1s" for i, b in enumerate(backends))
        self.config = log_dir / f"haproxy-{self.port}.cfg"
        self.config.write_text(f"""global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    option http-keep-alive
frontend platform
    bind 127.0.0.1:{self.port}
    default_backend api
backend api
    balance roundrobin
    option httpchk GET /readyz
    http-check send hdr Host localhost
{servers}
""")
        self._log = open(log_dir / f"haproxy-{self.port}.log", "ab")
        self.proc = subprocess.Popen([require("haproxy", "haproxy"), "-db", "-f", str(self.config)],
                                     stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float = 30) -> None:
        import httpx

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"haproxy exited; see {self.config.with_suffix('.log')}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2, headers={"Host": "localhost"}).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError("haproxy did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


_WRK_SCRIPT = r"""
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  sent = 0
  created = 0
  refused = 0
  limit = tonumber(args[1])
  prefix = args[2]
  auth = "Bearer " .. args[3]
  agent = args[4]
  done_dir = args[5]
end
function request()
  sent = sent + 1
  local body = '{"agent":"' .. agent .. '","input":{"message":"' .. prefix .. "-" .. id .. "-" .. sent .. '"}}'
  return wrk.format("POST", "/api/v1/runs", {["Authorization"] = auth, ["Content-Type"] = "application/json",
                                             ["Host"] = "localhost"}, body)
end
function response(status, headers, body)
  if status == 201 then created = created + 1 else refused = refused + 1 end
  if created + refused == limit then
    io.open(done_dir .. "/thread-" .. id, "w"):close()  -- wrk itself waits for -d: the caller stops it
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local created, refused, sent = 0, 0, 0
  for _, t in ipairs(threads) do
    created = created + t:get("created")
    refused = refused + t:get("refused")
    sent = sent + t:get("sent")
  end
  io.write(string.format('WRK_RESULT {"created":%d,"refused":%d,"sent":%d,"errors":%d,' ..
    '"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d}\n', created, refused, sent,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class WrkResult:
    created: int       # 201 answers
    refused: int       # other statuses
    sent: int          # requests written (answered or in flight when wrk stopped)
    errors: int        # socket errors and timeouts
    duration_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def error_rate(self) -> float:
        answered = self.created + self.refused + self.errors
        return (self.refused + self.errors) / answered if answered else 0.0


def create_runs_with_wrk(base: str, key: str, *, runs: int, threads: int = 2, connections: int = 8,
                         max_s: float = 120, prefix: str = "t") -> WrkResult:
    """About `runs` creates (each of `threads` stops after its share of answers; requests in flight
    then still land, at most `connections` more), within `max_s`."""
    per_thread = max(1, runs // threads)
    with tempfile.TemporaryDirectory() as work:
        script = Path(work) / "create_runs.lua"
        script.write_text(_WRK_SCRIPT)
        done_dir = Path(work) / "done"
        done_dir.mkdir()
        proc = subprocess.Popen([require("wrk", "wrk"), "-t", str(threads), "-c", str(connections), "-d", f"{int(max_s)}s",
                                 "--timeout", "30s", "-s", str(script), base, "--", str(per_thread), prefix, key, AGENT,
                                 str(done_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + max_s + 30
        while proc.poll() is None and len(list(done_dir.iterdir())) < threads and time.monotonic() < deadline:
            time.sleep(0.02)  # wrk waits out its -d even when every thread has stopped: stop it when they have
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # wrk then reports as at the end of -d
        out, err = proc.communicate(timeout=60)
    if proc.returncode not in (0, -signal.SIGINT):
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err.strip()[:500]}")
    line = next(line for line in out.splitlines() if line.startswith("WRK_RESULT "))
    data = json.loads(line.removeprefix("WRK_RESULT "))
    return WrkResult(created=data["created"], refused=data["refused"], sent=data["sent"], errors=data["errors"],
                     duration_s=data["duration_us"] / 1e6, p50_ms=data["p50_us"] / 1e3, p95_ms=data["p95_us"] / 1e3,
                     p99_ms=data["p99_us"] / 1e3)


@dataclass
class Audit:
    runs: int
    succeeded: int
    executed_twice: list[str]
    never_executed: list[str]
    unknown_effects: list[str]


def audit(runs: list[tuple[str, str]], counts: Counter[str]) -> Audit:
    """`runs` = (status, token) of every run the load created; `counts` = the counter's calls per token."""
    tokens = {token for _, token in runs}
    return Audit(runs=len(runs), succeeded=sum(1 for status, _ in runs if status == "succeeded"),
                 executed_twice=sorted(t for t in tokens if counts[t] > 1),
                 never_executed=sorted(t for t in tokens if counts[t] == 0),
                 unknown_effects=sorted(t for t in counts if t not in tokens))
