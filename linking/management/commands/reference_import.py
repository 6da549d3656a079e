"""Import reference data from YAML/JSON documents or <kind>.csv files, all in one transaction."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linking.services import reference_bundle as bundle


class Command(BaseCommand):
    help = (
        "Create or update reference data from a YAML or JSON document, or from CSV files named "
        "<kind>.csv (several at once: they are applied together, in dependency order). All or "
        "nothing; never deletes what the files do not mention."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="document.yaml|json or <kind>.csv files")
        parser.add_argument("--dry-run", action="store_true", help="Validate; write nothing.")
        parser.add_argument("--kind", default="", help="The kind of a single CSV file.")

    def handle(self, *args, files, dry_run, kind, **options):
        try:
            data = self._read(files, kind)
            report = bundle.reference_bundle_import(data, dry_run=dry_run)
        except bundle.ReferenceDataError as exc:
            for error in exc.errors:
                self.stderr.write(_line(error))
            raise CommandError(str(exc)) from exc
        for name, counts in report["kinds"].items():
            self.stdout.write(
                f"{name}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['errors']} errors"
            )
        if report["errors"]:
            for error in report["errors"]:
                self.stderr.write(_line(error))
            raise CommandError(f"{len(report['errors'])} problem(s); nothing was written.")
        self.stdout.write("Dry run: nothing written." if dry_run else "Imported.")

    def _read(self, files: list[str], kind: str) -> dict:
        data: dict = {}
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"No such file: {name}")
            if path.stat().st_size > bundle.MAX_BYTES:
                raise bundle.too_large()
            suffix = path.suffix.lower()
            with path.open("rb") as file:
                if suffix == ".csv":
                    data.update(bundle.csv_document(kind or path.stem, file))
                    continue
                document = bundle.document_load(
                    bundle.read_limited(file), format="json" if suffix == ".json" else "yaml"
                )
            data.update(bundle.document_check(document))
        if kind and len(files) > 1:
            raise CommandError("--kind names the kind of a single CSV file.")
        return data


def _line(error: dict) -> str:
    where = "/".join(
        str(p) for p in (error.get("kind"), error.get("item"), error.get("field")) if p
    )
    return f"{where or 'document'}: [{error['code']}] {error['message']}"
