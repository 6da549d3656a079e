"""Rendition services: profiles, and making a version's rendition once (race-safe), on the
workers after upload for pre-generated profiles or on the first request of a signed URL."""

import hashlib
import json
import shutil
import tempfile

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from dam.models import AssetKind, AssetVersion, Rendition, RenditionProfile, RenditionStatus
from dam.renditions import (
    RenditionError,
    RenditionSpec,
    pdf_preview,
    render_image,
    video_poster,
    video_preview,
)
from dam.services import local_copy
from dam.signals import assets_changed
from governance.services import apply_changes, full_clean_and_save, labels_clean

PROFILE_SETTINGS = (
    "width",
    "height",
    "fit",
    "format",
    "quality",
    "background",
    "use_focal_point",
    "watermark",
    "is_pregenerated",
)


def profile_spec(profile: RenditionProfile, asset) -> RenditionSpec:
    focal = None
    if (
        profile.use_focal_point
        and asset.focal_point_x is not None
        and asset.focal_point_y is not None
    ):
        focal = (asset.focal_point_x, asset.focal_point_y)
    return RenditionSpec(
        width=profile.width,
        height=profile.height,
        fit=profile.fit,
        format=profile.format,
        quality=profile.quality,
        background=profile.background,
        focal_point=focal,
        watermark=profile.watermark,
    )


def spec_key(spec: RenditionSpec) -> str:
    return hashlib.sha256(
        json.dumps(spec.__dict__, sort_keys=True, default=list).encode()
    ).hexdigest()


@transaction.atomic
def rendition_profile_save(
    *, code: str, changes: dict, profile: RenditionProfile | None = None
) -> RenditionProfile:
    """Create or change a rendition profile; a change makes its renditions again on next use."""
    from governance.models import Channel

    profile = profile or RenditionProfile(code=code.strip())
    changes = dict(changes)
    errors: dict = {}
    labels_clean(changes, errors)
    if "channel" in changes:
        channel = changes.pop("channel")
        profile.channel = Channel.objects.filter(code=channel).first() if channel else None
        if channel and profile.channel is None:
            errors["channel"] = [
                ValidationError(f"There is no channel {channel!r}.", code="unknown")
            ]
    try:
        apply_changes(profile, changes, editable={"labels", *PROFILE_SETTINGS})
        profile.full_clean(exclude=["channel"])
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if not errors and profile.format == "mp4":  # a video preview: only a width applies
        if not profile.width or profile.height or profile.fit != "contain" or profile.watermark:
            errors["__all__"] = [
                ValidationError(
                    "An mp4 profile is a video preview: give a width, no height, fit contain, no watermark.",
                    code="invalid_profile",
                )
            ]
    elif not errors:
        problems = RenditionSpec(
            width=profile.width,
            height=profile.height,
            fit=profile.fit,
            format=profile.format,
            quality=profile.quality,
            background=profile.background,
            watermark=profile.watermark,
        ).validate()
        if problems:
            errors["__all__"] = [ValidationError(p, code="invalid_profile") for p in problems]
    if errors:
        raise ValidationError(errors)
    full_clean_and_save(profile)
    return profile


def rendition_ensure(*, version: AssetVersion, profile: RenditionProfile) -> Rendition:
    """The rendition of a version for a profile: made once, then read from storage.

    Concurrent callers meet on the (version, profile) row: the first makes it under the row's
    lock, the others wait and find it made. A failure is recorded, not raised.
    """
    asset = version.asset
    spec = profile_spec(profile, asset)
    key = spec_key(spec)
    Rendition.objects.get_or_create(version=version, profile=profile, defaults={"spec_key": ""})
    with transaction.atomic():
        rendition = Rendition.objects.select_for_update().get(version=version, profile=profile)
        if rendition.status == RenditionStatus.DONE and rendition.spec_key == key:
            return rendition
        try:
            made = _render(version, asset.kind, spec, key)
        except RenditionError as exc:
            rendition.status, rendition.error, rendition.spec_key = (
                RenditionStatus.FAILED,
                str(exc)[:2000],
                key,
            )
        else:
            rendition.status, rendition.error, rendition.spec_key = RenditionStatus.DONE, "", key
            for name, value in made.items():
                setattr(rendition, name, value)
        rendition.save()
        if rendition.status == RenditionStatus.DONE:
            # A channel's media may now be ready (readiness, the feed's manifest).
            assets_changed.send(sender=type(asset), asset_ids=[asset.pk])
    return rendition


def _render(version: AssetVersion, kind: str, spec: RenditionSpec, key: str) -> dict:
    extension = {"jpeg": "jpg"}.get(spec.format, spec.format)
    target = f"renditions/{version.sha256[:2]}/{version.sha256}/{key[:16]}.{extension}"
    with tempfile.TemporaryFile() as out:
        if spec.format == "mp4":
            if kind != AssetKind.VIDEO:
                raise RenditionError(
                    "An mp4 preview is made of videos only.", code="not_renderable"
                )
            with (
                local_copy(version.file) as path,
                tempfile.NamedTemporaryFile(suffix=".mp4") as preview,
            ):
                info = video_preview(path, preview.name, max_width=spec.width)
                with open(preview.name, "rb") as made:
                    shutil.copyfileobj(made, out)
        elif kind == AssetKind.IMAGE:
            with default_storage.open(version.file, "rb") as source:
                info = render_image(source, spec, out)
        elif kind == AssetKind.VIDEO:
            with local_copy(version.file) as path:
                info = video_poster(path, spec, out)
        elif version.mime == "application/pdf":
            with local_copy(version.file) as path:
                info = pdf_preview(path, spec, out)
        else:
            raise RenditionError(
                f"No rendition is made of a {kind} ({version.mime}).", code="not_renderable"
            )
        size = out.tell()
        if not default_storage.exists(target):  # same bytes and settings: same key
            out.seek(0)
            saved = default_storage.save(target, File(out, name=target))
            if saved != target:
                default_storage.delete(saved)
    return {
        "file": target,
        "width": info["width"],
        "height": info["height"],
        "mime": info["mime"],
        "size": size,
    }


def renditions_pregenerate(*, version_id: int) -> int:
    """Make every pre-generated profile's rendition of a version that is still current."""
    version = AssetVersion.objects.select_related("asset").filter(pk=version_id).first()
    if version is None or version.asset.current_version_id != version.pk:
        return 0
    if version.asset.kind not in (AssetKind.IMAGE, AssetKind.VIDEO, AssetKind.DOCUMENT):
        return 0
    profiles = RenditionProfile.objects.filter(is_pregenerated=True)
    return sum(
        rendition_ensure(version=version, profile=p).status == RenditionStatus.DONE
        for p in profiles
    )


CONFIG_VERSION = 1


def rendition_profiles_export() -> dict:
    """Every profile as a versionable document (commit it; import it on another server)."""
    profiles = []
    for profile in RenditionProfile.objects.select_related("channel").order_by("code"):
        entry = {"code": profile.code, "labels": profile.labels}
        entry.update({name: getattr(profile, name) for name in PROFILE_SETTINGS})
        entry["channel"] = profile.channel.code if profile.channel else None
        profiles.append(entry)
    return {"tessera_rendition_profiles": CONFIG_VERSION, "profiles": profiles}


@transaction.atomic
def rendition_profiles_import(*, document) -> dict:
    """Create or update profiles from an exported document; all of them or none."""
    if (
        not isinstance(document, dict)
        or document.get("tessera_rendition_profiles") != CONFIG_VERSION
    ):
        raise ValidationError(
            {
                "__all__": ValidationError(
                    f"Expected an export with tessera_rendition_profiles: {CONFIG_VERSION}.",
                    code="invalid_document",
                )
            }
        )
    entries = document.get("profiles")
    if not isinstance(entries, list):
        raise ValidationError(
            {"profiles": ValidationError("Expected a list of profiles.", code="invalid")}
        )
    existing = {p.code: p for p in RenditionProfile.objects.all()}
    errors, counts = {}, {"created": 0, "updated": 0}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            errors[f"profiles[{index}]"] = [
                ValidationError("Each profile needs a code.", code="invalid")
            ]
            continue
        changes = {k: v for k, v in entry.items() if k != "code"}
        try:
            with transaction.atomic():
                rendition_profile_save(
                    code=entry["code"], changes=changes, profile=existing.get(entry["code"])
                )
        except ValidationError as exc:
            for field, problems in exc.error_dict.items():
                place = f"profiles[{index}]" if field == "__all__" else f"profiles[{index}].{field}"
                errors.setdefault(place, []).extend(problems)
            continue
        counts["updated" if entry["code"] in existing else "created"] += 1
    if errors:
        raise ValidationError(errors)
    return counts
