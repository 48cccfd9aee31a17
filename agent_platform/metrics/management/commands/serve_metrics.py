"""`manage.py serve_metrics --port 9100`: this host's samples on their own port, for workers that
run where the API's /metrics cannot see their PROMETHEUS_MULTIPROC_DIR (other hosts or pods).

The same scrape token as /metrics; only the multiprocess samples (the scrape-time gauges come
from the API's /metrics, which reads them from the shared Redis and PostgreSQL)."""
from __future__ import annotations

from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.exposition import choose_encoder

from agent_platform.metrics.exposition import authorized


def metrics_app(token: str):
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)

    def app(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics" or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        if not authorized(environ.get("HTTP_AUTHORIZATION", ""), token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"),
                                                ("WWW-Authenticate", 'Bearer realm="metrics"')])
            return [b"send Authorization: Bearer <PLATFORM_METRICS_TOKEN>\n"]
        encoder, content_type = choose_encoder(environ.get("HTTP_ACCEPT", ""))
        start_response("200 OK", [("Content-Type", content_type)])
        return [encoder(registry)]

    return app


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:  # scrapes every 15 s would flood the log
        return


class Command(BaseCommand):
    help = "Serve this host's Prometheus samples (multiprocess directory) on a port of their own."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a pod's port, scraped from outside
        parser.add_argument("--port", type=int, default=9100)

    def handle(self, *args, host: str, port: int, **options) -> None:
        token = settings.PLATFORM_METRICS_TOKEN
        if not token:
            raise CommandError("PLATFORM_METRICS_TOKEN is not set: refusing to serve metrics without a scrape token")
        with make_server(host, port, metrics_app(token), handler_class=QuietHandler) as server:
            self.stdout.write(f"serving metrics on http://{host}:{server.server_port}/metrics")
            self.stdout.flush()  # a supervisor (or a test) reads this line to know the port is bound
            server.serve_forever()
