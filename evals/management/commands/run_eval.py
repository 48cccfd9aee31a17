"""`manage.py run_eval`: run an eval for CI (see evals/cli.py and docs/evals.md)."""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from evals import cli


class Command(BaseCommand):
    help = ("Run an eval of an agent or workflow version on a dataset; exit 0 when every threshold holds, "
            "1 on a threshold failure or a significant regression, 2 on bad usage or an infrastructure error.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version N` is the target's version here, not Django's own --version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--config", help="a YAML file holding the options below (command-line options win)")
        parser.add_argument("--project", help="project slug (local mode)")
        parser.add_argument("--agent")
        parser.add_argument("--workflow")
        parser.add_argument("--version", type=int)
        parser.add_argument("--environment", choices=["dev", "stage", "prod"])
        parser.add_argument("--dataset", help="NAME or NAME@VERSION")
        parser.add_argument("--metric", action="append", default=None, dest="metrics",
                            help="TYPE, TYPE:key=value,... or a JSON object; repeatable")
        parser.add_argument("--threshold", action="append", default=None, dest="thresholds",
                            help='e.g. "pass_rate(exact) >= 0.9"; repeatable')
        parser.add_argument("--tag", action="append", default=None, dest="tags", help="only items with this tag")
        parser.add_argument("--baseline", help="an eval id or env:<environment>")
        parser.add_argument("--repeats", type=int)
        parser.add_argument("--concurrency", type=int)
        parser.add_argument("--fresh", action="store_true", default=None, help="do not reuse identical results")
        parser.add_argument("--junit", help="write a JUnit XML report here")
        parser.add_argument("--markdown", help="write a Markdown report here")
        parser.add_argument("--json", help="write the JSON report here")
        parser.add_argument("--api-url", help="run against a remote platform (with --api-key)")
        parser.add_argument("--api-key")
        parser.add_argument("--timeout", type=float, help="seconds to wait for the eval (default 3600)")

    def handle(self, *args, **options):
        values: dict = {}
        try:
            if options.get("config"):
                values.update(cli.load_config(options["config"]))
        except cli.UsageError as exc:
            self.stderr.write(f"run_eval: {exc}")
            sys.exit(cli.EXIT_ERROR)
        for name in cli.Options.__dataclass_fields__:
            value = options.get(name)
            if value is not None:
                values[name] = value
        # The raw streams: OutputWrapper would end every progress update with a newline.
        out, err = getattr(self.stdout, "_out", sys.stdout), getattr(self.stderr, "_out", sys.stderr)
        code = cli.run(cli.Options(**values), out=out, err=err)
        sys.exit(code)
