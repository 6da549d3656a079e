"""Write docs/permissions.md from the roles in code (`--check`: fail if it is out of date)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from governance.permissions_doc import permissions_doc_render


def doc_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "permissions.md"


class Command(BaseCommand):
    help = "Generate docs/permissions.md (the role × action matrix) from governance/roles.py."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if the file is stale.")

    def handle(self, *args, check=False, **options):
        text, path = permissions_doc_render(), doc_path()
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is out of date: run manage.py permissions_doc")
            self.stdout.write("docs/permissions.md is up to date.")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
