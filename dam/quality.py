"""The asset library's quality checks, registered with governance when the app is ready.

Assets are named by uuid (what the API addresses them by); the code travels in the details.
"""

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count
from django.utils import timezone

from dam import selectors, services
from dam.models import Asset
from governance.models import QualitySeverity
from governance.quality import quality_check

EXPIRY_WINDOW_DAYS = 30


@quality_check(
    "dam.duplicate_asset",
    label="Assets whose current files are the same bytes",
    severity=QualitySeverity.WARNING,
    object_type="asset",
)
def duplicate_assets() -> Iterator[tuple[str, str, dict]]:
    current = Asset.objects.filter(current_version__isnull=False)
    shared = (
        current.values("current_version__sha256")
        .annotate(assets=Count("pk"))
        .filter(assets__gt=1)
        .values_list("current_version__sha256", flat=True)
    )
    groups = defaultdict(list)
    for uuid, code, sha256 in (
        current.filter(current_version__sha256__in=list(shared))
        .order_by("code")
        .values_list("uuid", "code", "current_version__sha256")
    ):
        groups[sha256].append({"uuid": str(uuid), "code": code})
    for sha256, assets in sorted(groups.items()):
        for asset in assets:
            others = [other for other in assets if other is not asset]
            yield (
                asset["uuid"],
                f"{asset['code']} has the same file as "
                + ", ".join(other["code"] for other in others)
                + ".",
                {"code": asset["code"], "sha256": sha256, "others": others},
            )


@quality_check(
    "dam.near_duplicate_asset",
    label="Assets whose current images look nearly the same (perceptual hash)",
    severity=QualitySeverity.WARNING,
    object_type="asset",
)
def near_duplicate_assets() -> Iterator[tuple[str, str, dict]]:
    matches = defaultdict(list)
    codes = {}
    for a, b, distance in selectors.near_duplicate_pairs():
        if a.current_version.sha256 == b.current_version.sha256:
            continue  # the same bytes: dam.duplicate_asset reports them
        for asset, other in ((a, b), (b, a)):
            codes[str(asset.uuid)] = asset.code
            matches[str(asset.uuid)].append(
                {"uuid": str(other.uuid), "code": other.code, "distance": distance}
            )
    for uuid in sorted(matches, key=codes.get):
        found = sorted(matches[uuid], key=lambda m: (m["distance"], m["code"]))
        yield (
            uuid,
            f"{codes[uuid]} looks nearly the same as " + ", ".join(m["code"] for m in found) + ".",
            {"code": codes[uuid], "matches": found},
        )


def _rights(state: str) -> Iterator[tuple[str, str, dict]]:
    report = services.rights_expiring(now=timezone.now(), within_days=EXPIRY_WINDOW_DAYS)
    verb = "expired" if state == "expired" else "expires"
    for entry in report[state]:
        yield (
            entry["asset"],
            f"A usage right of {entry['code']} {verb} on {entry['valid_until'][:10]}.",
            {"code": entry["code"], "valid_until": entry["valid_until"]},
        )


@quality_check(
    "dam.rights_expired",
    label="Assets with a usage right that has expired",
    severity=QualitySeverity.ERROR,
    object_type="asset",
)
def rights_expired() -> Iterator[tuple[str, str, dict]]:
    return _rights("expired")


@quality_check(
    "dam.rights_expiring",
    label=f"Assets with a usage right expiring within {EXPIRY_WINDOW_DAYS} days",
    severity=QualitySeverity.WARNING,
    object_type="asset",
)
def rights_expiring() -> Iterator[tuple[str, str, dict]]:
    return _rights("expiring")
