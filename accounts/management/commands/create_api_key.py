from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import Project
from accounts.roles import ROLES


class Command(BaseCommand):
    help = "Print a new API key (ap_…) once; creates the project if it does not exist."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument("--name", default="cli")

    def handle(self, *args, project: str, role: str, name: str, **options):
        obj = Project.objects.filter(slug=project).first()
        if obj is None:
            try:
                obj = services.create_project(slug=project, name=project)
            except Exception as exc:  # FieldError / Conflict carry a readable message
                raise CommandError(f"cannot create project {project!r}: {exc}") from exc
        _, raw = services.create_api_key(project=obj, name=name, role=role)
        self.stdout.write(raw)
