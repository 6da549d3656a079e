"""Writes to the asset library: ingest, versions, descriptive metadata. Every entry point (API,
admin, imports) calls these; side effects (metadata extraction, renditions) run after commit."""

import logging
import os
import re
import shutil
import tempfile
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from dam.audit import asset_state, right_state, version_state
from dam.models import (
    Asset,
    AssetKind,
    AssetVersion,
    Collection,
    LicenceType,
    MetadataStatus,
    Tag,
    TagSource,
    UsageRight,
)
from dam.presets import file_problems, presets_for
from dam.signals import asset_ingested, assets_changed
from dam.validators import Inspection, UploadRefused, inspect_upload
from governance import workflow
from governance.audit import (
    audit_change,
    audit_delete,
    audit_many,
    audit_record,
    current_user,
    diff,
    recording_as,
    restorable_record,
)
from governance.models import AuditAction, Locale
from governance.moments import as_utc
from governance.services import VersionConflict

logger = logging.getLogger(__name__)
TEXT_LIMITS = {"title": 255, "alt_text": 500, "caption": 1000, "description": 10_000}


class UploadsRefused(Exception):
    """One or more files of a request broke a rule; nothing of the request was stored."""

    def __init__(self, refusals: list[tuple[int, str, UploadRefused]]):
        super().__init__("; ".join(f"{name}: {exc.message}" for _, name, exc in refusals))
        self.refusals = refusals


@dataclass
class Ingested:
    asset: Asset
    version: AssetVersion
    created: bool
    duplicate: bool
    # What `asset_ingested` receivers reported for this file (linking: {"naming": {...}}).
    extras: dict


def original_key(inspection: Inspection) -> str:
    """Content-addressed: the bytes name the key; nothing the uploader said reaches storage."""
    digest = inspection.sha256
    return f"originals/{digest[:2]}/{digest[2:4]}/{digest}.{inspection.extension}"


def safe_filename(name: str) -> str:
    """The uploader's file name, kept as a label only: no folders, no control characters."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(
        c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C"
    )
    return name.strip()[:255] or "unnamed"


class StorageUnavailable(Exception):
    """The file store could not be reached: nothing of the upload was kept; try again later."""


# What a store that is down or unreachable raises: S3 (botocore) or a local disk.
STORAGE_ERRORS = (BotoCoreError, ClientError, OSError)


def _store(file: BinaryIO, key: str) -> bool:
    """Store the bytes under their key; True when this call wrote them."""
    if default_storage.exists(key):
        return False  # the same bytes are stored already
    file.seek(0)
    saved = default_storage.save(key, File(file, name=key))
    if saved != key:  # a concurrent upload of the same bytes won: keep one copy
        default_storage.delete(saved)
        return False
    return True


def _discard_later(keys: list[str]) -> None:
    """Queue the removal of originals an upload stored but did not keep (the store may be
    down now: the task retries until it is back)."""
    if not keys:
        return
    from dam.tasks import media_originals_discard

    try:
        media_originals_discard.delay(keys)
    except Exception:  # the broker is down too: logged; the objects stay unreferenced
        logger.exception("could not queue the removal of %s", keys)


def originals_discard(*, keys: list[str]) -> list[str]:
    """Delete stored originals that no version refers to (an upload that failed after storing
    them); returns the keys deleted. Safe to run twice."""
    kept = set(AssetVersion.objects.filter(file__in=keys).values_list("file", flat=True))
    deleted = []
    for key in keys:
        if key.startswith("originals/") and key not in kept and default_storage.exists(key):
            default_storage.delete(key)
            deleted.append(key)
    return deleted


def _asset_code(filename: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", os.path.splitext(filename)[0].lower()).strip("_")[:80]
    stem = stem if stem[:1].isalpha() else f"asset_{stem}".rstrip("_")
    code, n = stem, 1
    while Asset.objects.filter(code=code).exists():
        n += 1
        code = f"{stem}_{n}"
    return code


def _inspect_all(uploads: list[tuple[str, BinaryIO]], collection=None) -> list[Inspection]:
    presets = presets_for(collection)
    inspections, refusals = [], []
    for index, (name, file) in enumerate(uploads):
        try:
            inspection = inspect_upload(file)
        except UploadRefused as exc:
            refusals.append((index, name, exc))
            continue
        problems = file_problems(inspection, presets)
        if problems:  # every rule broken, at once
            refusals.append((index, name, UploadRefused("preset_violation", " ".join(problems))))
        inspections.append(inspection)
    if refusals:
        raise UploadsRefused(refusals)
    return inspections


def _enqueue_media_work(version: AssetVersion) -> None:
    from dam.tasks import media_extract_metadata, media_render_pregenerated

    media_extract_metadata.delay_on_commit(version.pk)
    media_render_pregenerated.delay_on_commit(version.pk)


def collection_in_scope(collection: Collection | None, scope: set[int] | None) -> None:
    """A scoped writer (`scope`: the collection ids they work in; None = anywhere) files assets
    only in those collections, never in none: it would vanish from their own view."""
    if scope is not None and (collection is None or collection.pk not in scope):
        raise ValidationError(
            {
                "collection": ValidationError(
                    "Choose one of the collections you work in.", code="out_of_scope"
                )
            }
        )


def assets_ingest(
    *,
    uploads: list[tuple[str, BinaryIO]],
    actor=None,
    collection: Collection | None = None,
    collection_scope: set[int] | None = None,
) -> list[Ingested]:
    """Create an asset per file; every file is inspected before any is stored (all or nothing).

    A file whose exact bytes are already in the library answers that asset instead of a copy.
    Metadata extraction and pre-generated renditions are queued after commit.
    """
    collection_in_scope(collection, collection_scope)
    inspections = _inspect_all(uploads, collection)
    stored: list[str] = []
    try:
        # One transaction for every file's rows: a store that fails half-way keeps none.
        with transaction.atomic():
            return _ingest_inspected(uploads, inspections, actor, collection, stored)
    except STORAGE_ERRORS as exc:
        _discard_later(stored)
        raise StorageUnavailable(str(exc)) from exc
    except BaseException:
        _discard_later(stored)
        raise


def _ingest_inspected(uploads, inspections, actor, collection, stored: list[str]):
    results = []
    for (name, file), inspection in zip(uploads, inspections, strict=True):
        existing = (
            AssetVersion.objects.select_related("asset").filter(sha256=inspection.sha256).first()
        )
        if existing is not None:
            results.append(
                Ingested(existing.asset, existing, created=False, duplicate=True, extras={})
            )
            continue
        key = original_key(inspection)
        if _store(file, key):  # before the rows: a row never points at a missing file
            stored.append(key)
        filename = safe_filename(name)
        with transaction.atomic():
            code = _asset_code(filename)
            # The code too: PostgreSQL's parser reads "lifestyle.jpg" as one file-name token,
            # so the name alone would not be found by "lifestyle".
            asset = Asset.objects.create(
                code=code,
                kind=inspection.kind,
                collection=collection,
                search_text=f"{code} {filename}",
            )
            version = _version_create(asset, inspection, key, filename, actor, comment="")
            _audit_version(asset, version, before=None)
            extras = {}
            for _receiver, answer in asset_ingested.send(
                sender=Asset, asset=asset, filename=filename
            ):
                extras.update(answer if isinstance(answer, dict) else {})
        results.append(Ingested(asset, version, created=True, duplicate=False, extras=extras))
    return results


def _audit_version(asset: Asset, version: AssetVersion, *, before: dict | None) -> None:
    """A new version's record, and its asset's: created (`before` None) or a new current file."""
    after = asset_state(asset)
    action = AuditAction.CREATE if before is None else AuditAction.UPDATE
    audit_many(
        [
            (asset, action, diff(before, after), after),
            (version, AuditAction.CREATE, diff(None, version_state(version)), None),
        ]
    )


def _version_create(asset, inspection, key, filename, actor, comment, restored_from=None):
    number = (asset.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = AssetVersion.objects.create(
        asset=asset,
        number=number,
        file=key,
        original_filename=filename,
        sha256=inspection.sha256,
        size=inspection.size,
        mime=inspection.mime,
        uploaded_by=actor,
        comment=comment[:500],
        restored_from=restored_from,
    )
    asset.current_version = version
    asset.version += 1 if number > 1 else 0
    # A new file on an approved asset is a new draft; channels keep the approved version.
    asset.workflow_state = workflow.after_edit(asset.workflow_state)
    asset.save(update_fields=["current_version", "version", "workflow_state", "updated_at"])
    _enqueue_media_work(version)
    return version


@transaction.atomic
def version_add(
    *, asset: Asset, name: str, file: BinaryIO, actor=None, comment: str = ""
) -> AssetVersion:
    """Upload a new file to an asset: it becomes the current version (renditions follow)."""
    [inspection] = _inspect_all([(name, file)], asset.collection)
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if inspection.kind != asset.kind:
        raise UploadsRefused(
            [
                (
                    0,
                    name,
                    UploadRefused(
                        "kind_mismatch",
                        f"This asset holds a {asset.kind}, not a {inspection.kind}.",
                    ),
                )
            ]
        )
    current = asset.current_version
    if current is not None and current.sha256 == inspection.sha256:
        raise UploadsRefused(
            [
                (
                    0,
                    name,
                    UploadRefused("same_as_current", "This file is the current version already."),
                )
            ]
        )
    key = original_key(inspection)
    try:
        _store(file, key)  # one object: written whole or not at all
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable(str(exc)) from exc
    before = asset_state(asset)
    version = _version_create(asset, inspection, key, safe_filename(name), actor, comment)
    _audit_version(asset, version, before=before)
    assets_changed.send(sender=Asset, asset_ids=[asset.pk])
    return version


@transaction.atomic
def version_restore(*, asset: Asset, number: int, actor=None, comment: str = "") -> AssetVersion:
    """Make an earlier version current again, as a new version that says where it came from."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    old = asset.versions.filter(number=number).first()
    if old is None:
        raise ValidationError(
            {"number": ValidationError(f"There is no version {number}.", code="unknown")}
        )
    if asset.current_version_id == old.pk:
        raise ValidationError(
            {"number": ValidationError("That version is current already.", code="already_current")}
        )
    inspection = Inspection(old.mime, asset.kind, old.file.rsplit(".", 1)[-1], old.sha256, old.size)
    before = asset_state(asset)
    version = _version_create(
        asset,
        inspection,
        old.file,
        old.original_filename,
        actor,
        comment or f"Restored version {number}",
        restored_from=number,
    )
    version.metadata, version.phash, version.metadata_status = (
        old.metadata,
        old.phash,
        old.metadata_status,
    )
    version.save(update_fields=["metadata", "phash", "metadata_status"])
    _audit_version(asset, version, before=before)
    assets_changed.send(sender=Asset, asset_ids=[asset.pk])
    return version


def _localized(current: dict, patch, field: str, errors: dict) -> dict:
    if patch is None:
        return {}
    if not isinstance(patch, dict):
        errors[field] = [
            ValidationError("Expected an object of locale code to text.", code="invalid")
        ]
        return current
    known = set(
        Locale.objects.filter(code__in=[str(c) for c in patch]).values_list("code", flat=True)
    )
    merged = dict(current)
    for locale, text in patch.items():
        if locale not in known:
            errors.setdefault(field, []).append(
                ValidationError(f"Unknown locale {locale!r}.", code="unknown_locale")
            )
        elif text is None:
            merged.pop(locale, None)
        elif not isinstance(text, str) or not text.strip() or len(text) > TEXT_LIMITS[field]:
            message = f"{field}[{locale}] is text of 1 to {TEXT_LIMITS[field]} characters."
            errors.setdefault(field, []).append(ValidationError(message, code="invalid_text"))
        else:
            merged[locale] = text.strip()
    return merged


@transaction.atomic
def asset_update(
    *,
    asset: Asset,
    changes: dict,
    expected_version: int | None = None,
    collection_scope: set[int] | None = None,
) -> Asset:
    """Change descriptive metadata: texts merge per locale (null erases), manual tags replace;
    a scoped writer moves it only between their collections."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if expected_version is not None and asset.version != expected_version:
        raise VersionConflict(asset.version)
    before = asset_state(asset)
    errors: dict = {}
    for name in sorted(
        set(changes)
        - {*TEXT_LIMITS, "credit", "collection", "tags", "focal_point_x", "focal_point_y"}
    ):
        errors[name] = [ValidationError("Unknown or read-only field.", code="unknown_field")]
    for field in TEXT_LIMITS:
        if field in changes:
            setattr(asset, field, _localized(getattr(asset, field), changes[field], field, errors))
    if "credit" in changes:
        if not isinstance(changes["credit"], str) or len(changes["credit"]) > 255:
            errors["credit"] = [ValidationError("Text of at most 255 characters.", code="invalid")]
        else:
            asset.credit = changes["credit"].strip()
    for name in ("focal_point_x", "focal_point_y"):
        if name in changes:
            value = changes[name]
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1
            ):
                errors[name] = [
                    ValidationError(
                        "A share of the width or height, 0 to 1 (or null).", code="invalid"
                    )
                ]
            else:
                setattr(asset, name, value)
    if "collection" in changes:
        code = changes["collection"]
        asset.collection = Collection.objects.filter(code=code).first() if code else None
        if code and asset.collection is None:
            errors["collection"] = [
                ValidationError(f"There is no collection {code!r}.", code="unknown")
            ]
        else:
            try:
                collection_in_scope(asset.collection, collection_scope)
            except ValidationError as exc:
                errors.update(exc.error_dict)
    tags = changes.get("tags")
    if "tags" in changes and (
        not isinstance(tags, list)
        or not all(isinstance(t, str) and 0 < len(t.strip()) <= 100 for t in tags)
    ):
        errors["tags"] = [
            ValidationError("Expected a list of tags of 1 to 100 characters.", code="invalid")
        ]
    if errors:
        raise ValidationError(errors)
    if "tags" in changes:
        asset.tags.filter(source=TagSource.MANUAL).delete()
        Tag.objects.bulk_create(
            [
                Tag(asset=asset, name=t.strip().lower(), source=TagSource.MANUAL)
                for t in dict.fromkeys(tags)
            ],
            ignore_conflicts=True,
        )
    asset.version += 1
    asset.workflow_state = workflow.after_edit(asset.workflow_state)
    asset.search_text = search_text(asset)
    asset.save()
    after = asset_state(asset)
    audit_record(obj=asset, action=AuditAction.UPDATE, changes=diff(before, after), state=after)
    assets_changed.send(sender=Asset, asset_ids=[asset.pk])
    return asset


@transaction.atomic
def asset_restore(
    *, asset: Asset, record_id: int, collection_scope: set[int] | None = None
) -> Asset:
    """Return an asset's descriptive metadata to the state an audit record of it holds, and
    its file to that record's current version (as a new version); audited as a restore."""
    # Locked before comparing: a write in between would not be undone.
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    record = restorable_record(asset, record_id)
    state, current = record.state, asset_state(locked)
    changes = {
        name: state.get(name) for name in ("credit", "focal_point_x", "focal_point_y", "tags")
    }
    changes["collection"] = state.get("collection")
    for field in TEXT_LIMITS:  # texts merge per locale: erase the locales the state lacks
        texts = state.get(field) or {}
        changes[field] = {**dict.fromkeys(set(current[field]) - set(texts)), **texts}
    number = state.get("current_version")
    with recording_as(action=AuditAction.RESTORE, note={"restored_record": [None, record.pk]}):
        asset = asset_update(asset=asset, changes=changes, collection_scope=collection_scope)
        if number is not None and number != current["current_version"]:
            version_restore(asset=asset, number=number, actor=current_user())
            asset.refresh_from_db()
    return asset


@transaction.atomic
def asset_delete(*, asset: Asset) -> None:
    """Delete an asset with its versions, tags and rights; audited with its last state."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    before = asset_state(asset)
    audit_record(obj=asset, action=AuditAction.DELETE, changes=diff(before, None), state=before)
    # Before the delete: listeners find what used the asset (its links go with it).
    assets_changed.send(sender=Asset, asset_ids=[asset.pk])
    asset.delete()


def search_text(asset: Asset) -> str:
    """Title, description, alt text in every locale, tags and the original file name."""
    parts = [asset.code]
    for field in ("title", "description", "alt_text", "caption"):
        parts.extend(getattr(asset, field).values())
    parts.extend(asset.tags.values_list("name", flat=True))
    if asset.current_version_id:
        parts.append(asset.current_version.original_filename)
    return " ".join(parts)


@contextmanager
def local_copy(key: str):
    """A path to a stored file: the file itself on local storage, a streamed temporary copy on S3."""
    try:
        yield default_storage.path(key)
        return
    except NotImplementedError:
        pass
    suffix = os.path.splitext(key)[1]
    with (
        tempfile.NamedTemporaryFile(suffix=suffix) as copy,
        default_storage.open(key, "rb") as source,
    ):
        shutil.copyfileobj(source, copy, length=1024 * 1024)
        copy.flush()
        yield copy.name


def version_metadata_extract(*, version_id: int) -> str:
    """Technical and embedded metadata, perceptual hash and tags of a version (idempotent)."""
    from dam import metadata

    version = AssetVersion.objects.select_related("asset").filter(pk=version_id).first()
    if version is None:
        return "gone"
    if version.metadata_status == MetadataStatus.DONE:
        return "done already"
    try:
        with local_copy(version.file) as path:
            found = metadata.technical_metadata(path, version.mime)
            phash = (
                metadata.perceptual_hash(path) if version.asset.kind == AssetKind.IMAGE else None
            )
            auto = metadata.auto_tags(found, path, version.mime)
    except metadata.MetadataError as exc:
        AssetVersion.objects.filter(pk=version.pk).update(
            metadata_status=MetadataStatus.FAILED, metadata_error=str(exc)[:2000]
        )
        return "failed"
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=version.asset_id)
        AssetVersion.objects.filter(pk=version.pk).update(
            metadata=found,
            phash=phash or "",
            metadata_status=MetadataStatus.DONE,
            metadata_error="",
        )
        if asset.current_version_id == version.pk:  # tags describe the current file
            # Namespaced auto tags (`role:hero`) come from the file's name (linking's naming
            # rules), not its content: they stay.
            asset.tags.filter(source__in=[TagSource.EMBEDDED, TagSource.AUTO]).exclude(
                source=TagSource.AUTO, name__contains=":"
            ).delete()
            tags = [(t, TagSource.EMBEDDED) for t in found.get("keywords", [])]
            tags += [(t, TagSource.AUTO) for t in auto]
            Tag.objects.bulk_create(
                [
                    Tag(asset=asset, name=name.strip().lower()[:100], source=source)
                    for name, source in tags
                    if name.strip()
                ],
                ignore_conflicts=True,
            )
            asset.search_text = search_text(asset)
            asset.save(update_fields=["search_text", "updated_at"])
    return "done"


@transaction.atomic
def collection_save(
    *, code: str, changes: dict, collection: Collection | None = None
) -> Collection:
    """Create (collection None) or change a collection: labels and parent."""
    from governance.services import apply_changes, labels_clean

    collection = collection or Collection(code=code.strip())
    changes = dict(changes)
    errors: dict = {}
    if "parent" in changes:
        parent_code = changes.pop("parent")
        collection.parent = (
            Collection.objects.filter(code=parent_code).first() if parent_code else None
        )
        if parent_code and collection.parent is None:
            errors["parent"] = [
                ValidationError(f"There is no collection {parent_code!r}.", code="unknown")
            ]
        ancestor = collection.parent
        while ancestor is not None and collection.pk:
            if ancestor.pk == collection.pk:
                errors["parent"] = [
                    ValidationError("A collection cannot sit inside itself.", code="cyclic")
                ]
                break
            ancestor = ancestor.parent
    labels_clean(changes, errors)
    try:
        apply_changes(collection, changes, editable={"labels"})
        collection.full_clean(exclude=["parent"])
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    collection.save()
    return collection


COUNTRY = re.compile(r"^[A-Z]{2}\Z")


@transaction.atomic
def usage_right_save(*, asset: Asset, changes: dict, right: UsageRight | None = None) -> UsageRight:
    """Create or change a usage right of an asset; every problem is reported at once."""
    from governance.models import Channel

    before = right_state(right) if right else None
    right = right or UsageRight(asset=asset)
    changes, errors = dict(changes), {}
    channels = changes.pop("channels", None)
    for name in sorted(
        set(changes)
        - {
            "licence",
            "territories",
            "valid_from",
            "valid_until",
            "consent_document",
            "credit_line",
            "notes",
        }
    ):
        errors[name] = [ValidationError("Unknown field.", code="unknown_field")]
    territories = changes.pop("territories", right.territories)
    if not isinstance(territories, list) or not all(
        isinstance(t, str) and COUNTRY.match(t) for t in territories
    ):
        errors["territories"] = [
            ValidationError("Expected ISO 3166 country codes such as FR, US.", code="invalid")
        ]
    right.territories = (
        sorted(set(territories)) if "territories" not in errors else right.territories
    )
    if "consent_document" in changes:
        uuid = changes.pop("consent_document")
        right.consent_document = Asset.objects.filter(uuid=uuid).first() if uuid else None
        if uuid and (right.consent_document is None or right.consent_document.pk == asset.pk):
            errors["consent_document"] = [
                ValidationError("Name another asset's uuid.", code="unknown")
            ]
    for name, value in changes.items():
        if name in ("valid_from", "valid_until"):
            try:
                value = as_utc(value)
            except ValidationError as exc:
                errors[name] = [exc]
                continue
        if name in ("licence", "valid_from", "valid_until", "credit_line", "notes"):
            setattr(right, name, value)
    try:
        right.full_clean(exclude=["asset", "territories"])
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if (
        not errors
        and right.valid_from
        and right.valid_until
        and right.valid_from >= right.valid_until
    ):
        errors["valid_until"] = [
            ValidationError("The right must end after it starts.", code="ends_before_start")
        ]
    channel_rows = None
    if channels is not None:
        found = {
            c.code: c
            for c in Channel.objects.filter(code__in=channels if isinstance(channels, list) else [])
        }
        missing = (
            [c for c in channels if c not in found]
            if isinstance(channels, list)
            else ["(not a list)"]
        )
        if missing:
            errors["channels"] = [
                ValidationError(
                    f"Unknown channels: {', '.join(map(str, missing))}.", code="unknown"
                )
            ]
        channel_rows = list(found.values())
    if errors:
        raise ValidationError(errors)
    right.save()
    if channel_rows is not None:
        right.channels.set(channel_rows)
    audit_change(obj=right, before=before, after=right_state(right))
    assets_changed.send(sender=Asset, asset_ids=[asset.pk])
    return right


@transaction.atomic
def usage_right_delete(*, right: UsageRight) -> None:
    """Remove a usage right of an asset; audited."""
    audit_delete(obj=right, before=right_state(right))
    right.delete()
    assets_changed.send(sender=Asset, asset_ids=[right.asset_id])


@dataclass(frozen=True)
class Usability:
    usable: bool
    reason: str
    # While usable: when the longest-lasting right that allows the use ends (None: open-ended).
    until: datetime | None = None


def usable_for(*, asset: Asset, channel: str, territory: str, at) -> Usability:
    """May the asset be published on a channel, in a territory, at a moment? Says why not."""
    if "rights" in getattr(asset, "_prefetched_objects_cache", {}):
        rights = list(asset.rights.all())  # a feed build prefetches `rights__channels` in bulk
    else:
        rights = list(asset.rights.prefetch_related("channels"))
    if not rights:
        return Usability(False, "No usage right is recorded for this asset.")
    reasons, allowing = [], []
    for right in rights:
        channels = {c.code for c in right.channels.all()}
        if right.licence == LicenceType.EDITORIAL_ONLY:
            reasons.append("editorial use only")
        elif right.valid_from and at < right.valid_from:
            reasons.append(f"starts {right.valid_from:%Y-%m-%d}")
        elif right.valid_until and at >= right.valid_until:
            reasons.append(f"expired {right.valid_until:%Y-%m-%d}")
        elif right.territories and territory not in right.territories:
            reasons.append(f"not licensed in {territory}")
        elif channels and channel not in channels:
            reasons.append(f"not licensed on {channel}")
        else:
            allowing.append(right)
    if allowing:
        # Any allowing right suffices: the use lasts as long as the longest of them.
        right = max(allowing, key=lambda r: (r.valid_until is None, r.valid_until or at))
        until = f" until {right.valid_until:%Y-%m-%d}" if right.valid_until else ""
        return Usability(True, f"{right.get_licence_display()} right{until}.", right.valid_until)
    return Usability(False, "No right allows it: " + "; ".join(reasons) + ".")


def rights_expiring(*, now, within_days: int = 30) -> dict:
    """Rights that have expired or will within `within_days`: the daily report's content."""
    soon = now + timedelta(days=within_days)
    rows = UsageRight.objects.select_related("asset").filter(
        valid_until__isnull=False, valid_until__lt=soon
    )
    report = {"expired": [], "expiring": []}
    for right in rows.order_by("valid_until"):
        entry = {
            "asset": str(right.asset.uuid),
            "code": right.asset.code,
            "valid_until": right.valid_until.isoformat(),
        }
        report["expired" if right.valid_until <= now else "expiring"].append(entry)
    return report


@transaction.atomic
def rights_expiry_announce(*, now, within_days: int = 30) -> dict:
    """The daily report, and a domain event per right that expired or is expiring (once each)."""
    from governance.services import event_emit

    soon = now + timedelta(days=within_days)
    for right in UsageRight.objects.select_related("asset").filter(valid_until__lt=soon):
        state = "expired" if right.valid_until <= now else "expiring"
        event_emit(
            name=f"dam.usage_right.{state}",
            key=f"dam.usage_right:{right.pk}:{state}:{right.valid_until.isoformat()}",
            payload={
                "asset": str(right.asset.uuid),
                "right": right.pk,
                "valid_until": right.valid_until.isoformat(),
            },
        )
    return rights_expiring(now=now, within_days=within_days)
