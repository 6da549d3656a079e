"""Upload presets: every rule an upload or an asset breaks, listed at once."""

from django.core.exceptions import ValidationError
from django.db import transaction

from dam.models import Asset, AssetKind, Collection, UploadPreset
from dam.validators import ALLOWED_TYPES, Inspection
from governance.services import apply_changes

BOUNDS = (
    "min_width",
    "max_width",
    "min_height",
    "max_height",
    "min_aspect_ratio",
    "max_aspect_ratio",
)


def presets_for(collection) -> list[UploadPreset]:
    """The presets that apply: the global ones and the collection's."""
    presets = UploadPreset.objects.filter(collection__isnull=True)
    if collection is not None:
        presets = presets | UploadPreset.objects.filter(collection=collection)
    return list(presets.order_by("code"))


def file_problems(inspection: Inspection, presets: list[UploadPreset]) -> list[str]:
    """The file rules of the presets this file breaks (checked at upload)."""
    problems = []
    for p in presets:
        say = problems.append
        if p.allowed_kinds and inspection.kind not in p.allowed_kinds:
            say(
                f"{p.code}: a {inspection.kind} is not allowed (only {', '.join(p.allowed_kinds)})."
            )
        if p.allowed_types and inspection.mime not in p.allowed_types:
            say(f"{p.code}: {inspection.mime} is not allowed (only {', '.join(p.allowed_types)}).")
        if p.max_bytes and inspection.size > p.max_bytes:
            say(f"{p.code}: {inspection.size:,} bytes is over {p.max_bytes:,}.")
        width, height = inspection.width, inspection.height
        if width is None or height is None:
            continue
        for label, value, low, high in (
            ("width", width, p.min_width, p.max_width),
            ("height", height, p.min_height, p.max_height),
        ):
            if low and value < low:
                say(f"{p.code}: {label} {value} px is under the minimum {low} px.")
            if high and value > high:
                say(f"{p.code}: {label} {value} px is over the maximum {high} px.")
        ratio = width / height
        if p.min_aspect_ratio and ratio < p.min_aspect_ratio:
            say(f"{p.code}: aspect ratio {ratio:.3f} is under {p.min_aspect_ratio}.")
        if p.max_aspect_ratio and ratio > p.max_aspect_ratio:
            say(f"{p.code}: aspect ratio {ratio:.3f} is over {p.max_aspect_ratio}.")
        if p.color_modes and inspection.color_mode not in p.color_modes:
            say(
                f"{p.code}: colour mode {inspection.color_mode} is not allowed (only {', '.join(p.color_modes)})."
            )
    return problems


def approval_problems(asset: Asset) -> list[str]:
    """The field rules this asset breaks, for the approval step (issue #5's workflow)."""
    problems = []
    for p in presets_for(asset.collection):
        missing = [locale for locale in p.alt_text_locales if not asset.alt_text.get(locale)]
        if missing:
            problems.append(f"{p.code}: alt text is missing in {', '.join(missing)}.")
        if p.requires_rights and not asset.rights.exists():
            problems.append(f"{p.code}: a usage right is required.")
    return problems


PRESET_SETTINGS = {
    "allowed_kinds",
    "allowed_types",
    "min_width",
    "min_height",
    "max_width",
    "max_height",
    "max_bytes",
    "min_aspect_ratio",
    "max_aspect_ratio",
    "color_modes",
    "alt_text_locales",
    "requires_rights",
}


@transaction.atomic
def upload_preset_save(
    *, code: str, changes: dict, preset: UploadPreset | None = None
) -> UploadPreset:
    """Create or change an upload preset; contradictory or unknown rules are refused."""
    preset = preset or UploadPreset(code=code.strip())
    changes, errors = dict(changes), {}
    if "collection" in changes:
        collection = changes.pop("collection")
        preset.collection = (
            Collection.objects.filter(code=collection).first() if collection else None
        )
        if collection and preset.collection is None:
            errors["collection"] = [
                ValidationError(f"There is no collection {collection!r}.", code="unknown")
            ]
    try:
        apply_changes(preset, changes, editable=PRESET_SETTINGS)
        preset.full_clean(exclude=["collection"])
    except ValidationError as exc:
        errors.update(exc.error_dict)
    for field, allowed in (
        ("allowed_kinds", set(AssetKind.values)),
        ("allowed_types", set(ALLOWED_TYPES)),
    ):
        values = getattr(preset, field)
        if not isinstance(values, list) or not set(values) <= allowed:
            errors[field] = [
                ValidationError(f"Use only: {', '.join(sorted(allowed))}.", code="invalid")
            ]
    for name in BOUNDS:
        # full_clean skips "empty" values ({}, [], "") of a blank field: saving one would fail.
        if getattr(preset, name) in ("", {}, []) and name not in errors:
            errors[name] = [ValidationError("A number, or null.", code="invalid")]
    for low, high in (
        ("min_width", "max_width"),
        ("min_height", "max_height"),
        ("min_aspect_ratio", "max_aspect_ratio"),
    ):
        if (
            getattr(preset, low)
            and getattr(preset, high)
            and getattr(preset, low) > getattr(preset, high)
        ):
            errors[low] = [ValidationError(f"{low} is above {high}.", code="min_above_max")]
    if errors:
        raise ValidationError(errors)
    preset.save()
    return preset
