"""The library's reference data (rendition profiles), written through
dam.rendering.rendition_profile_save; see governance.reference_data."""

from collections.abc import Iterable

from dam.models import RenditionProfile
from dam.rendering import PROFILE_SETTINGS, rendition_profile_save
from governance.reference_data import (
    BOOL,
    CODE,
    INT,
    LABELS,
    OPTIONAL_INT,
    REF,
    TEXT,
    ImportReport,
    Kind,
    data_apply,
    import_run,
    kinds_export,
)

PROFILE_FIELDS = {
    "code": CODE,
    "labels": LABELS,
    "width": OPTIONAL_INT,
    "height": OPTIONAL_INT,
    "fit": TEXT,
    "format": TEXT,
    "quality": INT,
    "background": TEXT,
    "use_focal_point": BOOL,
    "watermark": TEXT,
    "is_pregenerated": BOOL,
    "channel": REF,
}
assert set(PROFILE_FIELDS) == {"code", "labels", "channel", *PROFILE_SETTINGS}


def _profile_out(profile: RenditionProfile) -> dict:
    out = {"code": profile.code, "labels": profile.labels}
    out.update({name: getattr(profile, name) for name in PROFILE_SETTINGS})
    out["channel"] = profile.channel.code if profile.channel else None
    return out


def _profiles():
    return RenditionProfile.objects.select_related("channel").order_by("code")


KINDS = ("rendition_profiles",)


def reference_kinds() -> dict[str, Kind]:
    """This app's kinds by name, in the order an import applies them."""
    return {
        "rendition_profiles": Kind(
            name="rendition_profiles",
            model="dam.renditionprofile",
            fields=PROFILE_FIELDS,
            export=lambda: (_profile_out(p) for p in _profiles()),
            find=lambda item: _profiles().filter(code=item["code"]).first(),
            out=_profile_out,
            create=lambda item: rendition_profile_save(
                code=item["code"], changes={k: v for k, v in item.items() if k != "code"}
            ),
            update=lambda row, changes: rendition_profile_save(
                code=row.code, changes=changes, profile=row
            ),
        )
    }


def reference_export(kinds: Iterable[str] | None = None) -> dict[str, list[dict]]:
    """The library's reference data, by kind (all of this app's kinds when None)."""
    chosen = reference_kinds()
    wanted = KINDS if kinds is None else [k for k in KINDS if k in set(kinds)]
    return kinds_export(chosen[name] for name in wanted)


def reference_apply(data: dict, report: ImportReport) -> None:
    """Write this app's kinds of `data`; the caller owns the transaction."""
    data_apply(reference_kinds().values(), data, report)


def reference_import(data: dict, *, dry_run: bool = False) -> dict:
    """Create or update rendition profiles from `data`; all or nothing, nothing at all in a dry
    run. Returns the report."""
    return import_run(lambda report: reference_apply(data, report), dry_run=dry_run)
