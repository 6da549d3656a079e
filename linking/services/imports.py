"""Product imports from CSV/XLSX: stage an upload in storage, preview its header against the
column conventions (and a mapping), then run it as a job — a dry run first, then the commit of
the same source and mapping. The job reads the file as a stream, upserts through
pim.imports.products_import (the products API's own validation), reports per cell, writes the
failing rows to an error file that can be fixed and imported as is, and links media URLs."""

import posixpath
import tempfile
import uuid
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from governance.jobs import job_create, job_progress
from governance.models import Job, JobState
from governance.tabular import TableError, TableReader, TableWriter, table_format
from linking.models import ImportKind
from linking.services.import_profiles import import_profile_for, mapping_clean
from linking.services.media_import import product_media_from_urls
from pim.imports import header_resolve, products_import

JOB_KIND = "product_import"
KINDS = tuple(ImportKind.values)  # products, product_models
PREVIEW_ROWS = 5
ERROR_LIMIT = 200  # cell errors (and media refusals) kept in a report; the counts cover all
FETCHED_KEPT = 10_000  # downloaded URLs remembered per run (one per row is the worst case)
ERROR_COLUMN = "error"  # the error file's extra column, ignored when that file comes back
SOURCE_SALT = "linking.imports.source"
SOURCE_MAX_AGE = 7 * 24 * 3600  # a staged upload may be mapped and run for a week
# governance.tabular's refusals, as the upload's error codes.
TABLE_ERROR_CODES = {
    "table_empty": "no_header",
    "table_format": "not_a_table",
    "table_header": "bad_header",
    "table_too_large": "too_large",
}
# Who may import which kind: creating and changing those rows.
PERMISSIONS = {
    ImportKind.PRODUCTS: ("pim.add_product", "pim.change_product"),
    ImportKind.PRODUCT_MODELS: ("pim.add_productmodel", "pim.change_productmodel"),
}


class ImportConflict(Exception):
    """The import cannot go on as asked (committed already, dry run unfinished…)."""


class HeaderRejected(ValueError):
    """The file's header does not map: nothing was read past it (the report says why)."""


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def max_bytes() -> int:
    return settings.TESSERA_IMPORT_MAX_BYTES


def may_import(user, kind: str) -> bool:
    """Whether `user` may import rows of `kind` (create and change them)."""
    return kind in PERMISSIONS and user.has_perms(PERMISSIONS[kind])


def may_create_terms(user) -> bool:
    """Creating unknown vocabulary terms on the way is creating terms: their permission."""
    return user.has_perm("governance.add_term")


@dataclass(frozen=True)
class StagedSource:
    """An uploaded spreadsheet kept in storage until it is imported."""

    name: str  # default_storage name: imports/<uuid>/source.<format>
    format: str  # csv | xlsx
    filename: str  # as uploaded, for people

    def token(self, *, user) -> str:
        """A signed reference to this source that only `user` may use."""
        payload = {"name": self.name, "format": self.format, "filename": self.filename}
        return signing.dumps({**payload, "user": user.pk}, salt=SOURCE_SALT, compress=True)

    @classmethod
    def from_token(cls, token: str, *, user) -> "StagedSource":
        """The source a token names; a ValidationError on `source` when it is not this user's,
        expired, or tampered with."""
        try:
            data = signing.loads(token, salt=SOURCE_SALT, max_age=SOURCE_MAX_AGE)
        except signing.BadSignature:
            data = None
        if not data or data.get("user") != user.pk or not default_storage.exists(data["name"]):
            raise _invalid("source", "Unknown or expired upload: upload the file again.", "unknown")
        return cls(name=data["name"], format=data["format"], filename=data["filename"])


def _check_table(file) -> tuple[str, list[str]]:
    """The upload's format (from its bytes) and header; a ValidationError on `file` otherwise."""
    size = getattr(file, "size", None)
    if size == 0:
        raise _invalid("file", "The file is empty.", "empty")
    if size is not None and size > max_bytes():
        raise _invalid("file", f"The file is over the {max_bytes():,}-byte limit.", "too_large")
    try:
        format = table_format(file)
        with TableReader(file, format) as reader:
            header = list(reader.header)
    except TableError as exc:
        raise _invalid("file", exc.message, TABLE_ERROR_CODES.get(exc.code, "invalid")) from exc
    finally:
        file.seek(0)
    if not header:
        raise _invalid("file", "The file has no header row.", "no_header")
    return format, header


def import_source_stage(*, file) -> StagedSource:
    """Check an uploaded CSV/XLSX (size, format sniffed from its bytes, a readable header) and
    copy it, streamed, to storage under imports/<uuid>/."""
    format, _header = _check_table(file)
    name = f"imports/{uuid.uuid4().hex}/source.{format}"
    saved = default_storage.save(name, File(file, name=name))
    filename = posixpath.basename(getattr(file, "name", "") or "") or f"source.{format}"
    return StagedSource(name=saved, format=format, filename=filename[:255])


def resolved_mapping(*, kind: str, mapping: dict | None, profile: str | None) -> dict | None:
    """The mapping an import uses: a profile's, or one given inline (checked), or None (the
    conventions alone)."""
    if mapping is not None and profile is not None:
        raise _invalid("mapping", "Send a profile or a mapping, not both.")
    if profile is not None:
        return mapping_clean(import_profile_for(code=profile, kind=kind).mapping)
    if mapping is not None:
        return mapping_clean(mapping)
    return None


def _with_error_column(header: list[str], mapping: dict | None) -> dict | None:
    """An error file coming back carries its `error` column: it is read as nothing."""
    if ERROR_COLUMN not in header:
        return mapping
    columns = dict((mapping or {}).get("columns", {}))
    columns.setdefault(ERROR_COLUMN, {"target": "ignore"})
    return {**(mapping or {}), "columns": columns}


def column_as_dict(column) -> dict:
    return {
        "column": column.column,
        "target": column.target,
        "attribute": column.attribute,
        "locale": column.locale,
        "channel": column.channel,
        "currency": column.currency,
        "association": column.association,
        "role": column.role,
        "transforms": [dict(t) for t in column.transforms],
    }


def cell_error_as_dict(error) -> dict:
    return {
        "row": error.row,
        "column": error.column,
        "value": error.value,
        "code": error.code,
        "message": error.message,
    }


def import_preview(
    *, source: StagedSource, kind: str = ImportKind.PRODUCTS, mapping: dict | None = None
) -> dict:
    """The source's header, its first rows, and what each column would be read as (by the
    conventions, or `mapping`), with the header's problems."""
    with (
        default_storage.open(source.name, "rb") as file,
        TableReader(file, source.format) as reader,
    ):
        header = list(reader.header)
        rows = []
        for _number, cells in reader.rows():
            rows.append(list(cells))
            if len(rows) == PREVIEW_ROWS:
                break
    columns, problems = header_resolve(
        header, kind=kind, mapping=_with_error_column(header, mapping)
    )
    return {
        "filename": source.filename,
        "format": source.format,
        "header": header,
        "rows": rows,
        "columns": [column_as_dict(column) for column in columns],
        "header_errors": [cell_error_as_dict(error) for error in problems],
    }


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise _invalid("kind", f"Unknown kind {kind!r}; one of: {', '.join(KINDS)}.", "unknown")


@transaction.atomic
def product_import_start(
    *,
    source: StagedSource,
    kind: str = ImportKind.PRODUCTS,
    mapping: dict | None = None,
    profile: str | None = None,
    dry_run: bool = True,
    create_terms: bool = False,
) -> Job:
    """Queue an import of a staged source (a dry run by default) with the conventions, an inline
    mapping or a saved profile's (copied: the commit uses the mapping the dry run checked).
    Runs `linking.tasks.imports.product_import_run` on commit."""
    from linking.tasks.imports import product_import_run

    _check_kind(kind)
    job = job_create(
        kind=JOB_KIND,
        parameters={
            "source": source.name,
            "format": source.format,
            "filename": source.filename,
            "kind": kind,
            "profile": profile,
            "mapping": resolved_mapping(kind=kind, mapping=mapping, profile=profile),
            "dry_run": bool(dry_run),
            "create_terms": bool(create_terms),
            "dry_run_job": None,
        },
    )
    product_import_run.delay_on_commit(job.pk)
    return job


def commit_of(job: Job) -> int | None:
    """The id of the job that committed this dry run, if one did."""
    return (
        Job.objects.filter(kind=JOB_KIND, parameters__dry_run_job=job.pk)
        .values_list("pk", flat=True)
        .first()
    )


def commit_refusal(job: Job) -> tuple[str, str] | None:
    """Why a dry run cannot be committed, as (kind: "conflict" | "invalid", message), or None."""
    parameters = job.parameters
    if not parameters.get("dry_run"):
        return "conflict", "This import ran for real already: start a new import to run it again."
    committed = commit_of(job)
    if committed is not None:
        return "conflict", f"This dry run was committed already (job {committed})."
    if not job.is_finished:
        return "conflict", "The dry run has not finished yet."
    if (job.report or {}).get("header_errors"):
        return "invalid", "The dry run found header problems: fix the mapping and check again."
    if job.state == JobState.FAILED:
        return "conflict", f"The dry run failed: {job.error}"
    return None


@transaction.atomic
def product_import_commit(*, job: Job) -> Job:
    """Queue the real run of a finished dry run: the same source, kind, mapping and options.
    ImportConflict when it ran already (or is not done), ValidationError after header problems."""
    Job.objects.select_for_update().filter(pk=job.pk).first()  # one commit per dry run
    refusal = commit_refusal(job)
    if refusal is not None:
        kind, message = refusal
        if kind == "invalid":
            raise _invalid("mapping", message, "header_errors")
        raise ImportConflict(message)
    from linking.tasks.imports import product_import_run

    commit = job_create(
        kind=JOB_KIND, parameters={**job.parameters, "dry_run": False, "dry_run_job": job.pk}
    )
    product_import_run.delay_on_commit(commit.pk)
    return commit


class _ImportReport:
    """The report a run builds as it goes (kept small: lists stop at ERROR_LIMIT)."""

    def __init__(self, parameters: dict):
        self.head = {
            "kind": parameters["kind"],
            "dry_run": parameters["dry_run"],
            "filename": parameters.get("filename"),
            "profile": parameters.get("profile"),
        }
        self.counts: dict = {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "errors": 0}
        self.header_errors: list[dict] = []
        self.errors: list[dict] = []
        self.cell_errors = 0
        self.media = {"linked": 0, "refused": 0, "refusals": []}
        self.files: list[dict] = []

    def add_cell_errors(self, errors) -> None:
        self.cell_errors += len(errors)
        room = ERROR_LIMIT - len(self.errors)
        self.errors.extend(cell_error_as_dict(error) for error in errors[: max(room, 0)])

    def add_media(self, owner: str, outcomes: list[dict]) -> None:
        for outcome in outcomes:
            if outcome.get("status") == "linked":
                self.media["linked"] += 1
                continue
            self.media["refused"] += 1
            if len(self.media["refusals"]) < ERROR_LIMIT:
                self.media["refusals"].append({"owner": owner, **outcome})

    def as_dict(self) -> dict:
        return {
            **self.head,
            "counts": dict(self.counts),
            "header_errors": list(self.header_errors),
            "cell_errors": self.cell_errors,
            "errors": list(self.errors),
            "error_limit": ERROR_LIMIT,
            "media": {**self.media, "refusals": list(self.media["refusals"])},
            "files": list(self.files),
        }


class _ErrorFile:
    """The failing rows, as read, plus an `error` column, written to a scratch file (the
    header goes in with the first failing row)."""

    def __init__(self, scratch, header: list[str]):
        self.scratch, self.header = scratch, header
        self.has_error_column = ERROR_COLUMN in header
        self.writer = None

    def write(self, cells: list[str], errors) -> None:
        if self.writer is None:
            header = self.header if self.has_error_column else [*self.header, ERROR_COLUMN]
            self.writer = TableWriter(self.scratch, "csv", header)
        message = "; ".join(f"{error.column}: {error.message}" for error in errors)
        width = len(self.header)
        cells = [*cells[:width], *[""] * (width - len(cells))]
        if self.has_error_column:
            cells[self.header.index(ERROR_COLUMN)] = message
        else:
            cells.append(message)
        self.writer.write(cells)

    def save(self, name: str) -> str | None:
        """Store the file as `name` (replacing a previous run's); None when no row failed."""
        if self.writer is None:
            return None
        self.writer.close()
        self.scratch.seek(0)
        if default_storage.exists(name):
            default_storage.delete(name)
        return default_storage.save(name, File(self.scratch, name=name))


def _owner_label(owner) -> str:
    return getattr(owner, "sku", None) or getattr(owner, "code", None) or str(owner)


def _source_header(parameters: dict) -> tuple[list[str], int | None]:
    with (
        default_storage.open(parameters["source"], "rb") as file,
        TableReader(file, parameters["format"]) as reader,
    ):
        return list(reader.header), reader.count()


def product_import_run(*, job: Job) -> dict:
    """A job's work: read the staged source as a stream, stop at header problems, then import
    every row (or only check it, in a dry run) with progress after each batch, the failing rows
    to an error file and media URL columns fetched and linked. Returns the report; safe to run
    again from the start (the upsert is idempotent)."""
    parameters = job.parameters
    report = _ImportReport(parameters)
    kind = parameters["kind"]
    header, total = _source_header(parameters)
    mapping = _with_error_column(header, parameters.get("mapping"))
    _columns, problems = header_resolve(header, kind=kind, mapping=mapping)
    if problems:
        report.header_errors = [cell_error_as_dict(error) for error in problems]
        job_progress(job=job, processed=0, total=total, report=report.as_dict())
        raise HeaderRejected(
            f"The header has {len(problems)} problem(s); no row was read: "
            + "; ".join(f"{error.column}: {error.message}" for error in problems[:5])
        )
    job_progress(job=job, processed=0, total=total, report=report.as_dict())

    def on_batch(processed: int, counts) -> None:
        report.counts = asdict(counts)
        job_progress(job=job, processed=processed, report=report.as_dict())

    fetched: dict = {}  # a URL listed for many rows is downloaded once

    def on_saved_row(owner, urls_by_role: dict[str, list[str]]) -> None:
        if any(urls_by_role.values()):
            if len(fetched) > FETCHED_KEPT:  # memory stays flat on a huge file
                fetched.clear()
            outcomes = product_media_from_urls(
                product=owner, urls_by_role=urls_by_role, fetched=fetched
            )
            report.add_media(_owner_label(owner), outcomes)

    with (
        tempfile.TemporaryFile() as scratch,
        default_storage.open(parameters["source"], "rb") as file,
        TableReader(file, parameters["format"]) as reader,
    ):
        error_file = _ErrorFile(scratch, header)

        def on_failed_row(number: int, cells: list[str], errors) -> None:
            report.add_cell_errors(errors)
            error_file.write(cells, errors)

        counts = products_import(
            reader.rows(),
            header,
            kind=kind,
            mapping=mapping,
            dry_run=parameters["dry_run"],
            create_terms=parameters.get("create_terms", False),
            on_batch=on_batch,
            on_failed_row=on_failed_row,
            on_saved_row=on_saved_row,
        )
        folder = posixpath.dirname(parameters["source"])
        saved = error_file.save(f"{folder}/errors-{job.pk}.csv")
    report.counts = asdict(counts)
    if saved:
        report.files.append({"label": "Error file", "name": saved, "content_type": "text/csv"})
    final = report.as_dict()
    job_progress(job=job, processed=counts.rows, total=counts.rows, report=final)
    return final
