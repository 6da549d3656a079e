"""Export reference data (the catalog's structure) as YAML, JSON or one CSV file per kind."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linking.services import reference_bundle as bundle


class Command(BaseCommand):
    help = (
        "Write reference data as one YAML (or JSON) document, or as one <kind>.csv per kind into "
        "a directory. Kinds: " + ", ".join(bundle.KINDS) + "."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--kinds", default="", help="Kinds, comma-separated (default: all, terms nested)."
        )
        parser.add_argument("--format", choices=["yaml", "json", "csv"], default="yaml")
        parser.add_argument(
            "--output",
            "-o",
            default="",
            help="A file (yaml/json; default: stdout) or, for csv, a directory (required).",
        )

    def handle(self, *args, kinds, format, output, **options):
        try:
            chosen = bundle.kinds_parse(kinds)
        except bundle.ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        if format == "csv":
            if not output:
                raise CommandError("--format csv writes one file per kind: give --output DIR.")
            directory = Path(output)
            directory.mkdir(parents=True, exist_ok=True)
            for kind in chosen:
                with (directory / f"{kind}.csv").open("w", encoding="utf-8", newline="") as file:
                    file.writelines(bundle.kind_csv_lines(kind))
                self.stderr.write(f"Wrote {directory / f'{kind}.csv'}")
            return
        body = bundle.document_dump(bundle.reference_bundle_export(chosen), format=format)
        if output:
            Path(output).write_bytes(body)
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(body.decode(), ending="")
