"""Media import: a ZIP (or several files) ingested entry by entry and linked by the naming
rules, and media fetched from URLs and linked to the products they are listed for, each as a
background job whose report says what was linked, what no rule matched, what was in the
library already and what was refused, with the reason.

Uploaded files are stored under `imports/media/<uuid>/` before the job is queued (the worker
may run on another machine) and deleted when the job has ended. A job restarted after a worker
died ingests again from the start: the same bytes are the same asset and an identical link is
left as it is, so nothing doubles (its report then lists earlier entries as duplicates)."""

import re
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from dam import services as dam_services
from dam.archives import (
    ArchiveRefused,
    archive_entries,
    archive_entry_count,
    is_zip,
)
from dam.models import Asset, Collection
from dam.remote import MAX_URL_LENGTH, FetchRefused, asset_fetch
from dam.validators import max_upload_bytes
from governance.audit import acting_as, current_actor, current_user
from governance.jobs import job_create, job_progress, job_run
from governance.models import Job
from linking.services.links import link_add, role_clean
from linking.services.naming import NamingRules, asset_naming_apply
from pim.models import Product, ProductModel
from pim.policies import product_model_policy, product_policy
from pim.services.products import sku_key

JOB_KIND = "media_import"
URLS_JOB_KIND = "media_url_import"
UPLOAD_PREFIX = "imports/media"
MAX_FILES = 100  # per request: a folder's worth; more belong in a ZIP
MAX_URL_ITEMS = 1000
LIST_LIMIT = 1000  # entries kept per list of a report; the counts cover everything
REPORT_EVERY = 50  # entries between two saves of the report (progress is saved per entry)
BUCKETS = ("linked", "unmatched", "duplicates", "refused", "skipped")
URL_BUCKETS = ("linked", "refused")
ITEM_FIELDS = {"url", "sku", "model", "role", "position"}


def _error(name: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({name: [ValidationError(message, code=code)]})


def _as_starter(actor):
    """Record the job as `actor`'s when nothing names who is acting (a call from a shell or a
    test); inside a request the request's user or key is the starter already."""
    acting = current_actor()
    is_person = (
        getattr(actor, "is_authenticated", False) and getattr(actor, "api_key", None) is None
    )
    if acting.user is None and acting.api_key is None and is_person:
        return acting_as(user=actor)
    return nullcontext()


def _collection(code: str | None, scope: set[int] | None) -> Collection | None:
    row = None
    if code:
        row = Collection.objects.filter(code=code).first()
        if row is None:
            raise _error("collection", f"There is no collection {code!r}.", "unknown")
    dam_services.collection_in_scope(row, scope)
    return row


def _storage_name(folder: str, index: int, filename: str) -> str:
    """A key under the job's folder: the uploader's name only as ASCII letters and digits."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", dam_services.safe_filename(filename))[-100:]
    return f"{folder}/{index:03d}-{stem.lstrip('.') or 'file'}"


@dataclass
class ImportReport:
    buckets: tuple = BUCKETS
    counts: dict = field(default_factory=dict)
    lists: dict = field(default_factory=dict)

    def __post_init__(self):
        self.counts = dict.fromkeys(self.buckets, 0)
        self.lists = {bucket: [] for bucket in self.buckets}

    def add(self, bucket: str, entry: dict) -> None:
        self.counts[bucket] += 1
        if len(self.lists[bucket]) < LIST_LIMIT:
            self.lists[bucket].append(entry)

    def as_dict(self, **extra) -> dict:
        return {
            "counts": {**self.counts, **extra},
            **{bucket: list(entries) for bucket, entries in self.lists.items()},
            "list_limit": LIST_LIMIT,
        }


# --- ZIPs and files -------------------------------------------------------------------------


@transaction.atomic
def media_import_start(
    *,
    files: list,
    actor=None,
    collection: str | None = None,
    collection_scope: set[int] | None = None,
) -> Job:
    """Store the uploaded ZIPs and files and queue a media import job over them (in
    `collection`, within the starter's collections `collection_scope`; None = anywhere).
    Runs `linking.tasks.media_import.media_import_run` on commit."""
    from linking.tasks.media_import import media_import_run

    if not files:
        raise _error("file", "Send one or more files (ZIPs or media) as `file` parts.", "required")
    if len(files) > MAX_FILES:
        raise _error("file", f"At most {MAX_FILES} files at once: put more in a ZIP.", "too_many")
    row = _collection(collection, collection_scope)
    errors, described = {}, []
    for index, upload in enumerate(files):
        archive = is_zip(upload)
        limit = settings.TESSERA_MEDIA_IMPORT_MAX_TOTAL_BYTES if archive else max_upload_bytes()
        if upload.size > limit:
            errors[f"file[{index}]"] = [
                ValidationError(
                    f"{upload.name}: {upload.size:,} bytes is over the {limit:,}-byte limit.",
                    code="file_too_large",
                )
            ]
            continue
        entries = (
            archive_entry_count(upload, max_entries=settings.TESSERA_MEDIA_IMPORT_MAX_ENTRIES)
            if archive
            else 1
        )
        described.append((upload, archive, entries))
    if errors:
        raise ValidationError(errors)
    with _as_starter(actor):
        job = job_create(kind=JOB_KIND)
    folder = f"{UPLOAD_PREFIX}/{uuid.uuid4().hex}"
    stored = []
    try:
        for index, (upload, archive, entries) in enumerate(described):
            upload.seek(0)
            name = default_storage.save(_storage_name(folder, index, upload.name), upload)
            stored.append(
                {"name": name, "filename": upload.name, "archive": archive, "entries": entries}
            )
    except BaseException:
        for entry in stored:
            default_storage.delete(entry["name"])
        raise
    job.parameters = {
        "files": stored,
        "collection_id": row.pk if row else None,
        "collection_ids": None if collection_scope is None else sorted(collection_scope),
    }
    job.total = sum(entry["entries"] for entry in stored)
    job.save(update_fields=["parameters", "total"])
    media_import_run.delay_on_commit(job.pk)
    return job


class _MediaImport:
    """One run of a media import job: its files, entry by entry."""

    def __init__(self, job: Job):
        parameters = job.parameters
        self.job = job
        self.scope = (
            None if parameters.get("collection_ids") is None else set(parameters["collection_ids"])
        )
        collection_id = parameters.get("collection_id")
        self.collection = (
            Collection.objects.filter(pk=collection_id).first() if collection_id else None
        )
        self.rules = NamingRules.load()  # for duplicates; a new asset's receiver loads its own
        self.report = ImportReport()
        self.processed = 0

    def run(self) -> dict:
        job_progress(job=self.job, processed=0, report=self.report.as_dict())
        for stored in self.job.parameters.get("files", []):
            with dam_services.local_copy(stored["name"]) as path, open(path, "rb") as handle:
                if stored.get("archive") and is_zip(handle):
                    self._archive(handle, stored)
                else:
                    where = {"file": stored["filename"], "entry": stored["filename"]}
                    self._ingest(stored["filename"], handle, where)
                    self._advance()
        return self.report.as_dict(entries=self.processed)

    def _advance(self, step: int = 1) -> None:
        self.processed += step
        save_report = self.processed % REPORT_EVERY == 0
        job_progress(
            job=self.job,
            processed=self.processed,
            report=self.report.as_dict(entries=self.processed) if save_report else None,
        )

    def _archive(self, handle, stored: dict) -> None:
        filename = stored["filename"]
        try:
            entries = archive_entries(
                handle,
                max_entries=settings.TESSERA_MEDIA_IMPORT_MAX_ENTRIES,
                max_total_bytes=settings.TESSERA_MEDIA_IMPORT_MAX_TOTAL_BYTES,
            )
        except ArchiveRefused as exc:
            self.report.add(
                "refused",
                {"file": filename, "entry": None, "code": exc.code, "message": exc.message},
            )
            self._advance(stored.get("entries") or 1)
            return
        limit = max_upload_bytes()
        for entry in entries:
            where = {"file": filename, "entry": entry.name}
            if entry.refused is not None:
                bucket = "skipped" if entry.refused.skipped else "refused"
                self.report.add(
                    bucket, {**where, "code": entry.refused.code, "message": entry.refused.message}
                )
            elif entry.size > limit:  # refused by its declared size, before unpacking it
                message = f"The file is {entry.size:,} bytes; the limit is {limit:,}."
                self.report.add("refused", {**where, "code": "file_too_large", "message": message})
            else:
                with entry.open() as reader:
                    self._ingest(entry.name, reader, where)
            self._advance()

    def _ingest(self, name: str, file, where: dict) -> None:
        try:
            [ingested] = dam_services.assets_ingest(
                uploads=[(name, file)],
                actor=current_user(),
                collection=self.collection,
                collection_scope=self.scope,
            )
        except dam_services.UploadsRefused as exc:
            [(_, _, refusal)] = exc.refusals
            self.report.add("refused", {**where, "code": refusal.code, "message": refusal.message})
            return
        except ValidationError as exc:  # the collection left the starter's scope meanwhile
            self.report.add(
                "refused", {**where, "code": "out_of_scope", "message": " ".join(exc.messages)}
            )
            return
        asset = ingested.asset
        entry = {**where, "asset": str(asset.uuid), "asset_code": asset.code}
        if ingested.duplicate:
            self.report.add("duplicates", {**entry, **self._relink_duplicate(asset, name)})
            return
        naming = ingested.extras.get("naming") or {}
        if naming.get("linked"):
            self.report.add("linked", {**entry, **_link_fields(naming)})
        else:
            self.report.add(
                "unmatched",
                {
                    **entry,
                    "reason": naming.get("outcome", "no_rule"),
                    "message": naming.get("message", "No naming rule was applied."),
                },
            )

    def _relink_duplicate(self, asset: Asset, name: str) -> dict:
        """A file already in the library: linked by this entry's name too, when the asset is
        in the starter's collections (one outside them is named, never touched)."""
        if self.scope is not None and asset.collection_id not in self.scope:
            return {"linked": False, "message": "Already in the library, outside your collections."}
        naming = asset_naming_apply(asset=asset, resolution=self.rules.resolve(name))
        if naming["linked"]:
            return {"linked": True, **_link_fields(naming), "message": naming["message"]}
        return {"linked": False, "reason": naming["outcome"], "message": naming["message"]}


def _link_fields(naming: dict) -> dict:
    return {
        name: naming[name] for name in ("rule", "target", "role", "position", "locale", "channel")
    }


def media_import_work(*, job: Job) -> dict:
    """Ingest the job's files, each ZIP entry by entry (refusals and skips reported with their
    reasons), new assets linked by the naming rules on ingest; progress after each entry."""
    return _MediaImport(job).run()


def media_import_uploads_delete(*, job_id: int) -> None:
    """Delete the files a media import job was given (it has ended: they are not needed)."""
    job = Job.objects.filter(pk=job_id, kind=JOB_KIND).only("parameters").first()
    for stored in job.parameters.get("files", []) if job else []:
        default_storage.delete(stored["name"])


def media_import_run(*, job_id: int) -> str:
    """Run a queued media import job, then delete its uploads unless it is to run again."""
    outcome = job_run(job_id=job_id, work=media_import_work)
    media_import_uploads_delete(job_id=job_id)
    return outcome


# --- URLs -----------------------------------------------------------------------------------


def _item_errors(index: int, item, roles: dict) -> dict:
    where = f"items[{index}]"
    if not isinstance(item, dict):
        return {where: [ValidationError("Expected an object.", code="invalid")]}
    errors = {}
    for name in sorted(set(item) - ITEM_FIELDS):
        errors[f"{where}.{name}"] = [ValidationError("Unknown field.", code="unknown_field")]
    url = item.get("url")
    if not isinstance(url, str) or not 0 < len(url.strip()) <= MAX_URL_LENGTH:
        errors[f"{where}.url"] = [
            ValidationError(f"A URL of 1 to {MAX_URL_LENGTH} characters.", code="required")
        ]
    else:
        try:
            parts = urlsplit(url.strip())
            valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            errors[f"{where}.url"] = [
                ValidationError("An http:// or https:// URL with a host.", code="invalid_url")
            ]
    owners = [name for name in ("sku", "model") if item.get(name) not in (None, "")]
    if len(owners) != 1:
        errors[f"{where}.sku"] = [
            ValidationError("Give exactly one of sku or model.", code="one_owner")
        ]
    elif not isinstance(item[owners[0]], str):
        errors[f"{where}.{owners[0]}"] = [ValidationError("Expected text.", code="invalid")]
    role = item.get("role")
    if not isinstance(role, str) or not role:
        errors[f"{where}.role"] = [ValidationError("Give a media role.", code="required")]
    else:
        if role not in roles:
            try:
                role_clean(role)
                roles[role] = None
            except ValidationError as exc:
                roles[role] = exc.messages[0]
        if roles[role]:
            errors[f"{where}.role"] = [ValidationError(roles[role], code="unknown_role")]
    position = item.get("position")
    if position is not None and (
        isinstance(position, bool) or not isinstance(position, int) or position < 0
    ):
        errors[f"{where}.position"] = [
            ValidationError("A position is a whole number, zero or more.", code="invalid")
        ]
    return errors


def _owners_check(items: list[dict], actor, errors: dict) -> None:
    """Every product and model named exists and, for a starter, is one they may see."""
    products = Product.objects.all()
    models = ProductModel.objects.all()
    if actor is not None:
        products = product_policy.visible(actor, products)
        models = product_model_policy.visible(actor, models)
    skus = {sku_key(item["sku"]) for item in items if item.get("sku")}
    codes = {item["model"] for item in items if item.get("model")}
    found_skus = set(products.filter(sku_key__in=skus).values_list("sku_key", flat=True))
    found_codes = set(models.filter(code__in=codes).values_list("code", flat=True))
    for index, item in enumerate(items):
        if item.get("sku") and sku_key(item["sku"]) not in found_skus:
            errors[f"items[{index}].sku"] = [
                ValidationError(f"There is no product {item['sku']!r}.", code="unknown")
            ]
        if item.get("model") and item["model"] not in found_codes:
            errors[f"items[{index}].model"] = [
                ValidationError(f"There is no product model {item['model']!r}.", code="unknown")
            ]


@transaction.atomic
def media_urls_import_start(
    *,
    items: list[dict],
    actor=None,
    collection: str | None = None,
    collection_scope: set[int] | None = None,
) -> Job:
    """Queue a job fetching each item's URL and linking the file to its product (`sku`) or
    product model (`model`) in `role` (at `position`, else appended). Every item is checked
    first (a malformed one refuses the whole list); `actor` must be able to see the products.
    Runs `linking.tasks.media_import.media_urls_import_run` on commit."""
    from linking.tasks.media_import import media_urls_import_run

    if not isinstance(items, list) or not items:
        raise _error("items", "Send a list of items ({url, sku or model, role}).", "required")
    if len(items) > MAX_URL_ITEMS:
        raise _error("items", f"At most {MAX_URL_ITEMS} items at once.", "too_many")
    row = _collection(collection, collection_scope)
    errors, roles = {}, {}
    for index, item in enumerate(items):
        errors.update(_item_errors(index, item, roles))
    if not errors:
        _owners_check(items, actor, errors)
    if errors:
        raise ValidationError(errors)
    kept = [
        {
            "url": item["url"].strip(),
            **({"sku": item["sku"]} if item.get("sku") else {"model": item["model"]}),
            "role": item["role"],
            "position": item.get("position"),
        }
        for item in items
    ]
    with _as_starter(actor):
        job = job_create(
            kind=URLS_JOB_KIND,
            parameters={
                "items": kept,
                "collection_id": row.pk if row else None,
                "collection_ids": None if collection_scope is None else sorted(collection_scope),
            },
        )
    job.total = len(kept)
    job.save(update_fields=["total"])
    media_urls_import_run.delay_on_commit(job.pk)
    return job


def _first_code(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        errors = [error for found in exc.error_dict.values() for error in found]
    else:
        errors = exc.error_list
    return next((error.code for error in errors if error.code), "invalid")


def _fetch_link(
    *, url: str, owner, role: str, position=None, fetched: dict, collection=None, scope=None
) -> dict:
    """Fetch a URL (once per `fetched` cache) and link its asset to `owner`; the outcome."""
    result = {"url": url, "role": role}
    outcome = fetched.get(url)
    if outcome is None:
        try:
            outcome = asset_fetch(
                url, actor=current_user(), collection=collection, collection_scope=scope
            )
        except FetchRefused as exc:
            outcome = exc
        except ValidationError as exc:  # out of the starter's collections
            outcome = FetchRefused("out_of_scope", " ".join(exc.messages))
        fetched[url] = outcome
    if isinstance(outcome, FetchRefused):
        return {**result, "status": "refused", "code": outcome.code, "reason": outcome.message}
    owned = {"product_model": owner} if isinstance(owner, ProductModel) else {"product": owner}
    try:
        link = link_add(asset=outcome.asset, role=role, position=position, **owned)
    except ValidationError as exc:
        return {
            **result,
            "status": "refused",
            "code": _first_code(exc),
            "reason": " ".join(exc.messages),
        }
    return {
        **result,
        "status": "linked",
        "code": "",
        "reason": "",
        "asset": str(outcome.asset.uuid),
        "duplicate": outcome.duplicate,
        "link": link.pk,
    }


def media_urls_import_work(*, job: Job) -> dict:
    """Fetch and link each item of the job (a URL listed twice is fetched once); progress
    after each item."""
    parameters = job.parameters
    items = parameters.get("items", [])
    scope = None if parameters.get("collection_ids") is None else set(parameters["collection_ids"])
    collection_id = parameters.get("collection_id")
    collection = Collection.objects.filter(pk=collection_id).first() if collection_id else None
    report, fetched, duplicates = ImportReport(buckets=URL_BUCKETS), {}, 0
    job_progress(job=job, processed=0, total=len(items), report=report.as_dict())
    for index, item in enumerate(items, start=1):
        named = {"sku": item["sku"]} if item.get("sku") else {"model": item["model"]}
        owner = (
            Product.objects.filter(sku_key=sku_key(item["sku"])).first()
            if item.get("sku")
            else ProductModel.objects.filter(code=item["model"]).first()
        )
        if owner is None:  # deleted since the job was queued
            result = {
                "url": item["url"],
                "role": item["role"],
                "status": "refused",
                "code": "unknown",
                "reason": "The product is gone.",
            }
        else:
            result = _fetch_link(
                url=item["url"],
                owner=owner,
                role=item["role"],
                position=item.get("position"),
                fetched=fetched,
                collection=collection,
                scope=scope,
            )
        entry = {"index": index - 1, **named, **result}
        if result["status"] == "linked":
            duplicates += bool(result["duplicate"])
            report.add("linked", entry)
        else:
            report.add("refused", entry)
        every = index % REPORT_EVERY == 0
        job_progress(
            job=job,
            processed=index,
            report=report.as_dict(items=index, duplicates=duplicates) if every else None,
        )
    return report.as_dict(items=len(items), duplicates=duplicates)


def media_urls_import_run(*, job_id: int) -> str:
    """Run a queued URL import job (fetching and linking are idempotent: safe to restart)."""
    return job_run(job_id=job_id, work=media_urls_import_work)


def product_media_from_urls(
    *, product, urls_by_role: dict[str, list[str]], fetched: dict | None = None
) -> list[dict]:
    """Fetch each URL and link its file to a saved product or product model in the role it is
    listed under (appended in list order; a link that exists is left as it is). Never raises
    for a bad URL or a refused link: returns per URL {"url", "role", "status": "linked" |
    "refused", "code", "reason", …}. `fetched` (url → outcome) may be shared between calls of
    one import so a URL listed for many products is downloaded once."""
    fetched = {} if fetched is None else fetched
    results = []
    for role, urls in urls_by_role.items():
        for url in urls:
            if not isinstance(url, str) or not url.strip():
                continue
            results.append(_fetch_link(url=url.strip(), owner=product, role=role, fetched=fetched))
    return results
