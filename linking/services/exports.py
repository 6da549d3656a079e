"""Exports: a channel's publishable documents (channel × locales) or the whole catalog written to
a file by a background job, stored under `exports/…` in the default storage and listed in the
job's report (`files`), from where the job's download route signs a URL.

Channel exports read the stored channel documents (what the feed serves, media whose right has
ended withdrawn as the feed does): JSON / NDJSON hold the documents themselves, one file per
locale; CSV / XLSX flatten them to one row per product in the import layout (see
`linking.services.export_columns`). Catalog exports are pim's import layout (products and
product models, two files), so exporting then importing gives the same catalog.
"""

import logging
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from governance.audit import acting_as, audit_change, audit_delete, current_user, model_state
from governance.jobs import job_create, job_fail, job_progress
from governance.models import Channel, Job
from governance.tabular import TableWriter
from linking.models import ChannelDocument, ExportFormat, ScheduledExport
from linking.selectors.feed import FeedRow, current_text
from linking.services.export_columns import ChannelColumns, channel_columns
from pim.models import Product, ProductModel

logger = logging.getLogger(__name__)

JOB_KIND = "export"
KINDS = ("channel", "catalog")
FORMATS = {
    "channel": tuple(ExportFormat.values),
    "catalog": (ExportFormat.CSV, ExportFormat.XLSX),
}
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.JSON: "application/json",
    ExportFormat.NDJSON: "application/x-ndjson",
}
CHUNK = 1000  # products per keyset page
PROGRESS_SECONDS = 1.0  # at most one progress write a second (each one is a commit)
CATALOG_KINDS = ("product_models", "products")  # models first: products name their parent
SCHEDULE_FIELDS = ("code", "channel", "locales", "format", "interval_minutes", "is_active")
SCHEDULE_AUDITED = (*SCHEDULE_FIELDS, "next_run_at")
MIN_INTERVAL = 5  # minutes: the beat looks every few minutes anyway


def _invalid(errors: dict, name: str, message: str, code: str = "invalid") -> None:
    errors.setdefault(name, []).append(ValidationError(message, code=code))


@dataclass(frozen=True)
class ExportRequest:
    """What an export writes, checked."""

    kind: str
    format: str
    channel: str | None = None
    locales: tuple[str, ...] = ()

    def as_parameters(self) -> dict:
        return {
            "kind": self.kind,
            "format": self.format,
            "channel": self.channel,
            "locales": list(self.locales),
        }


def export_request_clean(
    *,
    kind: str = "channel",
    channel: str | None = None,
    locales: list[str] | None = None,
    format: str = ExportFormat.CSV,
) -> ExportRequest:
    """The export asked for, or a ValidationError naming each field that cannot be used."""
    errors: dict = {}
    if kind not in KINDS:
        _invalid(errors, "kind", f"Export one of: {', '.join(KINDS)}.", "invalid_choice")
        raise ValidationError(errors)
    if format not in FORMATS[kind]:
        _invalid(
            errors,
            "format",
            f"A {kind} export is written as {', '.join(FORMATS[kind])}.",
            "invalid_choice",
        )
    if kind == "catalog":
        if channel:
            _invalid(errors, "channel", "A catalog export covers every channel.", "not_allowed")
        if locales:
            _invalid(errors, "locales", "A catalog export covers every locale.", "not_allowed")
        if errors:
            raise ValidationError(errors)
        return ExportRequest(kind=kind, format=format)
    published: list[str] = []
    if not channel:
        _invalid(errors, "channel", "Name the channel to export.", "required")
    else:
        row = Channel.objects.filter(code=channel).prefetch_related("locales").first()
        if row is None:
            _invalid(errors, "channel", f"There is no channel {channel!r}.", "unknown")
        else:
            published = sorted(locale.code for locale in row.locales.all())
    chosen: list[str] = []
    if locales is not None and (
        not isinstance(locales, list | tuple) or not all(isinstance(c, str) for c in locales)
    ):
        _invalid(errors, "locales", "Expected a list of locale codes.")
    elif "channel" not in errors:
        chosen = sorted(set(locales)) if locales else published
        outside = [code for code in chosen if code not in published]
        if outside:
            _invalid(
                errors,
                "locales",
                f"{channel} does not publish {', '.join(outside)}; it publishes "
                f"{', '.join(published) or 'no locale'}.",
                "locale_not_in_channel",
            )
        elif not chosen:
            _invalid(errors, "locales", f"{channel} publishes no locale.", "required")
    if errors:
        raise ValidationError(errors)
    return ExportRequest(kind=kind, format=format, channel=channel, locales=tuple(chosen))


@transaction.atomic
def export_start(
    *,
    kind: str = "channel",
    channel: str | None = None,
    locales: list[str] | None = None,
    format: str = ExportFormat.CSV,
    schedule: str | None = None,
) -> Job:
    """Queue an export job started by the current actor (ValidationError when the request cannot
    be exported); runs `linking.tasks.exports.export_run` on commit."""
    from linking.tasks.exports import export_run

    request = export_request_clean(kind=kind, channel=channel, locales=locales, format=format)
    parameters = request.as_parameters()
    if schedule:
        parameters["schedule"] = schedule
    job = job_create(kind=JOB_KIND, parameters=parameters)
    export_run.delay_on_commit(job.pk)
    return job


def export_write(*, job: Job) -> dict:
    """The job's work: write the export's file(s) to storage, reporting progress per chunk.
    Returns the report (counts and `files`)."""
    parameters = job.parameters
    request = ExportRequest(
        kind=parameters["kind"],
        format=parameters["format"],
        channel=parameters.get("channel"),
        locales=tuple(parameters.get("locales") or ()),
    )
    if request.kind == "catalog":
        return _catalog_export(job, request)
    channel = Channel.objects.filter(code=request.channel).first()
    if channel is None:
        raise ValueError(f"The channel {request.channel!r} no longer exists.")
    if request.format in (ExportFormat.JSON, ExportFormat.NDJSON):
        return _documents_export(job, request, channel)
    return _table_export(job, request, channel)


# ------------------------------------------------------------------------------ files


class _Progress:
    """The job's processed count, written after a page when a second has passed, and at the end."""

    def __init__(self, job: Job, total: int):
        self.job, self.last, self.written = job, time.monotonic(), 0
        job_progress(job=job, processed=0, total=total)

    def __call__(self, processed: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if processed != self.written and (final or now - self.last >= PROGRESS_SECONDS):
            job_progress(job=self.job, processed=processed)
            self.last, self.written = now, processed


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ")


class _Output:
    """A temporary file written by a TableWriter, then saved to the default storage."""

    def __init__(self, format: str, header: list[str]):
        self.format = format
        self.file = tempfile.NamedTemporaryFile(suffix=f".{format}")  # noqa: SIM115
        self.writer = TableWriter(self.file, format, header)

    def save(self, name: str, label: str) -> dict:
        self.writer.close()
        self.file.flush()
        self.file.seek(0)
        try:
            stored = default_storage.save(name, File(self.file, name=name.rsplit("/", 1)[-1]))
        finally:
            self.file.close()
        return {"label": label, "name": stored, "content_type": CONTENT_TYPES[self.format]}

    def discard(self) -> None:
        self.file.close()


def _name(job: Job, folder: str, suffix: str, format: str) -> str:
    return f"exports/{folder}/{job.pk}-{_stamp(timezone.now())}{suffix}.{format}"


# ------------------------------------------------------------------------------ channel


def _served(document: str, expires_at, now: datetime) -> str:
    """The document as the feed would serve it now (media whose right ended withdrawn)."""
    if expires_at is None or expires_at > now:
        return document
    return current_text(FeedRow(0, "", document, "", expires_at), now)


def _document_pages(channel_id: int, locale_ids: list[int], now: datetime):
    """Lists of (product id, locale id, document text) of CHUNK products at most, in product
    order, every locale of a product in the same list; one query per list (the unique
    (channel, locale, product) index)."""
    width = len(locale_ids)
    rows = ChannelDocument.objects.filter(channel_id=channel_id, locale_id__in=locale_ids)
    after = 0
    while True:
        page = list(
            rows.filter(product_id__gt=after)
            .order_by("product_id", "locale_id")
            .values_list("product_id", "locale_id", "document", "media_expires_at")[: CHUNK * width]
        )
        if not page:
            return
        full = len(page) == CHUNK * width
        if full and width > 1 and page[0][0] != page[-1][0]:
            # The last product's locales may continue on the next page: it starts there.
            last = page[-1][0]
            page = [row for row in page if row[0] != last]
        yield [(product, locale, _served(text, ends, now)) for product, locale, text, ends in page]
        if not full:
            return
        after = page[-1][0]


def _locales(channel: Channel, codes) -> list[tuple[int, str]]:
    return sorted(
        channel.locales.filter(code__in=codes).values_list("pk", "code"), key=lambda r: r[1]
    )


def _documents_export(job: Job, request: ExportRequest, channel: Channel) -> dict:
    """One JSON or NDJSON file per locale holding the documents as the feed serves them."""
    now = timezone.now()
    locales = _locales(channel, request.locales)
    documents = ChannelDocument.objects.filter(
        channel=channel, locale_id__in=[pk for pk, _ in locales]
    )
    progress = _Progress(job, documents.count())
    files, processed, counts = [], 0, {}
    for locale_id, code in locales:
        output = _Output(request.format, [])
        written = 0
        try:
            for page in _document_pages(channel.pk, [locale_id], now):
                for _, _, text in page:
                    output.writer.write(orjson.loads(text))
                written += len(page)
                progress(processed + written)
        except BaseException:
            output.discard()
            raise
        processed += written
        counts[code] = written
        progress(processed, final=True)
        name = _name(job, channel.code, f"-{code}", request.format)
        files.append(output.save(name, f"{channel.code} {code} ({request.format.upper()})"))
    return {
        "kind": "channel",
        "channel": channel.code,
        "locales": [code for _, code in locales],
        "format": request.format,
        "counts": {"documents": processed, **{f"documents_{k}": v for k, v in counts.items()}},
        "files": files,
    }


def _table_export(job: Job, request: ExportRequest, channel: Channel) -> dict:
    """One CSV or XLSX file, a row per product (its locales side by side)."""
    now = timezone.now()
    locales = _locales(channel, request.locales)
    locale_ids = [pk for pk, _ in locales]
    columns: ChannelColumns = channel_columns(
        channel=channel, locales=[code for _, code in locales], now=now
    )
    codes = dict(locales)
    documents = ChannelDocument.objects.filter(channel=channel, locale_id__in=locale_ids)
    progress = _Progress(job, documents.values("product_id").distinct().count())
    output = _Output(request.format, columns.header)
    processed = 0
    try:
        for page in _document_pages(channel.pk, locale_ids, now):
            current, by_locale = None, {}
            for product_id, locale_id, text in page:
                if product_id != current:
                    if by_locale:
                        output.writer.write(columns.row(by_locale))
                        processed += 1
                    current, by_locale = product_id, {}
                by_locale[codes[locale_id]] = orjson.loads(text)
            if by_locale:
                output.writer.write(columns.row(by_locale))
                processed += 1
            progress(processed)
    except BaseException:
        output.discard()
        raise
    progress(processed, final=True)
    name = _name(job, channel.code, "", request.format)
    file = output.save(name, f"{channel.code} ({request.format.upper()})")
    report = {
        "kind": "channel",
        "channel": channel.code,
        "locales": [code for _, code in locales],
        "format": request.format,
        "counts": {"products": processed, "columns": len(columns.header)},
        "files": [file],
    }
    if columns.left_out:
        # Values or roles a document holds that no column was chosen for (e.g. a value of an
        # attribute since removed from the family): named, so nothing is lost silently.
        report["not_exported"] = sorted(columns.left_out)[:100]
    return report


# ------------------------------------------------------------------------------ catalog


def _catalog_export(job: Job, request: ExportRequest) -> dict:
    """Product models then products in pim's import layout, a file each."""
    from pim.imports import catalog_export

    progress = _Progress(job, ProductModel.objects.count() + Product.objects.count())
    files, counts, columns, processed = [], {}, {}, 0
    for kind in CATALOG_KINDS:
        header, rows = catalog_export(kind)  # a column per value in use, not per possible one
        columns[kind] = len(header)
        output = _Output(request.format, header)
        written = 0
        try:
            for row in rows:
                output.writer.write_sparse(row)
                written += 1
                if written % CHUNK == 0:
                    progress(processed + written)
        except BaseException:
            output.discard()
            raise
        processed += written
        counts[kind] = written
        progress(processed, final=True)
        name = _name(job, "catalog", f"-{kind}", request.format)
        label = f"{kind.replace('_', ' ').capitalize()} ({request.format.upper()})"
        files.append(output.save(name, label))
    return {
        "kind": "catalog",
        "format": request.format,
        "counts": counts,
        "columns": columns,
        "files": files,
    }


# ------------------------------------------------------------------------------ schedules


def _schedule_state(schedule: ScheduledExport) -> dict:
    state = model_state(schedule, SCHEDULE_AUDITED)
    state["channel"] = schedule.channel.code if schedule.channel_id else None
    return state


@transaction.atomic
def scheduled_export_save(
    *, changes: dict, schedule: ScheduledExport | None = None
) -> ScheduledExport:
    """Create (`schedule` None; `changes` carries the code) or change a scheduled channel export
    after checking its channel, locales and format as an export would be. A new schedule runs
    at the next beat unless `next_run_at` says otherwise, as the person creating it. Audited."""
    changes = dict(changes)
    errors: dict = {}
    for name in sorted(set(changes) - {*SCHEDULE_FIELDS, "next_run_at"}):
        _invalid(errors, name, "Unknown field.", "unknown_field")
    before = _schedule_state(schedule) if schedule is not None else None
    creating = schedule is None
    if creating:
        schedule = ScheduledExport(created_by=current_user())
    elif "code" in changes and changes["code"] != schedule.code:
        _invalid(errors, "code", "This field cannot be changed.", "read_only")
    if changes.get("next_run_at") is not None and not isinstance(changes["next_run_at"], str):
        # The model field parses text only: anything else would be a TypeError, not a 4xx.
        _invalid(errors, "next_run_at", "Expected an ISO 8601 date-time.", "invalid")
    for name in ("code", "format", "interval_minutes", "is_active", "next_run_at", "locales"):
        if name in changes and name not in errors:
            value = changes[name]
            setattr(schedule, name, value.strip() if isinstance(value, str) else value)
    if "channel" in changes:
        code = changes["channel"]
        channel = Channel.objects.filter(code=code).first() if isinstance(code, str) else None
        if channel is None:
            _invalid(errors, "channel", f"There is no channel {changes['channel']!r}.", "unknown")
        else:
            schedule.channel = channel
    elif creating:
        _invalid(errors, "channel", "Name the channel to export.", "required")
    if schedule.locales is None:
        schedule.locales = []
    if not isinstance(schedule.locales, list):
        _invalid(errors, "locales", "Expected a list of locale codes.")
    if (
        isinstance(schedule.interval_minutes, int)
        and not isinstance(schedule.interval_minutes, bool)
        and schedule.interval_minutes < MIN_INTERVAL
    ):
        _invalid(
            errors,
            "interval_minutes",
            f"Run it every {MIN_INTERVAL} minutes at most often.",
            "min_value",
        )
    try:
        schedule.full_clean(exclude=[name for name in errors if name != "__all__"])
    except ValidationError as exc:
        for name, problems in exc.error_dict.items():
            errors.setdefault(name, []).extend(problems)
    if schedule.channel_id and not {"channel", "locales", "format"} & set(errors):
        try:
            export_request_clean(
                channel=schedule.channel.code,
                locales=schedule.locales or None,
                format=schedule.format,
            )
        except ValidationError as exc:
            for name, problems in exc.error_dict.items():
                errors.setdefault(name, []).extend(problems)
    if errors:
        raise ValidationError(errors)
    if creating and schedule.next_run_at is None:
        schedule.next_run_at = timezone.now()
    schedule.save()
    audit_change(obj=schedule, before=before, after=_schedule_state(schedule))
    return schedule


@transaction.atomic
def scheduled_export_delete(*, schedule: ScheduledExport) -> None:
    """Delete a scheduled export (the jobs it ran and their files stay). Audited."""
    audit_delete(obj=schedule, before=_schedule_state(schedule))
    schedule.delete()


def next_run(previous: datetime | None, interval_minutes: int, now: datetime) -> datetime:
    """The first run after `now` on the schedule's rhythm (missed runs are not made up)."""
    step = timedelta(minutes=max(interval_minutes, 1))
    if previous is None or previous > now:
        return now + step
    missed = (now - previous) // step
    return previous + (missed + 1) * step


def scheduled_exports_run(*, now: datetime | None = None) -> list[int]:
    """Start an export for each active schedule due at `now` (as its creator) and move it on by
    its interval; returns the jobs started. Each schedule is taken under a skipped lock in its
    own transaction: two beats or workers at once start each due export once."""
    now = now or timezone.now()
    started: list[int] = []
    while True:
        with transaction.atomic():
            schedule = (
                ScheduledExport.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("channel", "created_by")
                .filter(is_active=True, next_run_at__lte=now)
                .order_by("next_run_at", "pk")
                .first()
            )
            if schedule is None:
                return started
            with acting_as(user=schedule.created_by, label=f"scheduled export {schedule.code}"):
                job = _scheduled_job(schedule)
            schedule.last_job = job
            schedule.next_run_at = next_run(schedule.next_run_at, schedule.interval_minutes, now)
            schedule.save(update_fields=["last_job", "next_run_at", "updated_at"])
            started.append(job.pk)


def _scheduled_job(schedule: ScheduledExport) -> Job:
    """The schedule's export job; one that can no longer run (its channel lost a locale, its
    owner may no longer read products) is recorded failed with the reason, so its owner sees
    why there is no file."""
    owner = schedule.created_by
    try:
        if owner is not None and not owner.has_perm("pim.view_product"):
            raise ValidationError(f"{owner} may no longer read products: nothing was exported.")
        return export_start(
            channel=schedule.channel.code,
            locales=schedule.locales or None,
            format=schedule.format,
            schedule=schedule.code,
        )
    except ValidationError as exc:
        parameters = {
            "kind": "channel",
            "format": schedule.format,
            "channel": schedule.channel.code,
            "locales": schedule.locales,
            "schedule": schedule.code,
        }
        job = job_create(kind=JOB_KIND, parameters=parameters)
        job_fail(job=job, error=" ".join(exc.messages))
        logger.warning("scheduled export %s cannot run: %s", schedule.code, exc.messages)
        return job
