"""The asset library's quality checks, on real assets ingested through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dam.models import Asset
from dam.selectors import near_duplicate_pairs
from dam.services import assets_ingest, usage_right_save, version_add
from governance.quality import REGISTRY
from tests.dam import media

pytestmark = pytest.mark.django_db


def findings(code: str) -> dict[str, tuple[str, dict]]:
    """What the registered check finds now: object_ref → (message, details)."""
    found = list(REGISTRY[code].function())
    refs = [ref for ref, _, _ in found]
    assert len(refs) == len(set(refs)), "one finding per object"
    return {ref: (message, details) for ref, message, details in found}


def ingest(path) -> Asset:
    with open(path, "rb") as file:
        [result] = assets_ingest(uploads=[(path.name, file)])
    assert result.created
    return result.asset


@pytest.fixture
def library(run_tasks_on_commit, tmp_path):
    """hero and copy hold the same bytes (copy got them as a new version), smaller is hero
    recompressed at half size, other is a different picture."""
    hero_file = media.jpeg_plain(tmp_path / "hero.jpg", size=(400, 300), variant=0)
    with run_tasks_on_commit(execute=True):
        hero = ingest(hero_file)
        copy = ingest(media.jpeg_plain(tmp_path / "copy.jpg", size=(400, 300), variant=1))
        smaller = ingest(media.recompressed(hero_file, tmp_path / "smaller.jpg"))
        other = ingest(media.jpeg_plain(tmp_path / "other.jpg", size=(400, 300), variant=2))
    with run_tasks_on_commit(execute=True), open(hero_file, "rb") as file:
        version_add(asset=copy, name="hero-again.jpg", file=file)
    assets = {a.code: a for a in Asset.objects.select_related("current_version")}
    assert all(a.current_version.phash for a in assets.values())
    return {
        "hero": assets[hero.code],
        "copy": assets[copy.code],
        "smaller": assets[smaller.code],
        "other": assets[other.code],
    }


def test_assets_whose_current_files_are_the_same_bytes_are_found(library):
    hero, copy = library["hero"], library["copy"]
    found = findings("dam.duplicate_asset")
    assert set(found) == {str(hero.uuid), str(copy.uuid)}
    message, details = found[str(copy.uuid)]
    assert details == {
        "code": copy.code,
        "sha256": hero.current_version.sha256,
        "others": [{"uuid": str(hero.uuid), "code": hero.code}],
    }
    assert hero.code in message


def test_an_earlier_version_with_the_same_bytes_is_not_a_duplicate(library, tmp_path):
    copy = library["copy"]
    with open(media.jpeg_plain(tmp_path / "new.jpg", size=(400, 300), variant=1), "rb") as file:
        version_add(asset=copy, name="new.jpg", file=file)  # back to different bytes
    assert findings("dam.duplicate_asset") == {}


def test_assets_that_look_nearly_the_same_are_found(library):
    hero, copy, smaller = library["hero"], library["copy"], library["smaller"]
    found = findings("dam.near_duplicate_asset")
    # hero and copy are the same bytes: reported as exact duplicates, not here
    assert set(found) == {str(hero.uuid), str(copy.uuid), str(smaller.uuid)}
    assert [m["uuid"] for m in found[str(hero.uuid)][1]["matches"]] == [str(smaller.uuid)]
    matches = found[str(smaller.uuid)][1]["matches"]
    assert sorted(m["uuid"] for m in matches) == sorted([str(hero.uuid), str(copy.uuid)])
    assert all(m["distance"] <= 8 for m in matches)


@pytest.mark.parametrize("distance", [0, 3, 8, 20])
def test_the_banded_pair_search_agrees_with_the_one_asset_search(library, distance):
    from dam.selectors import near_duplicates

    pairs = {
        frozenset((a.pk, b.pk)): apart for a, b, apart in near_duplicate_pairs(distance=distance)
    }
    expected = {
        frozenset((asset.pk, other.pk)): apart
        for asset in library.values()
        for other, apart in near_duplicates(asset, distance=distance)
    }
    assert pairs == expected


def test_usage_rights_expired_and_expiring_within_30_days_are_found():
    now = timezone.now()
    assets = {code: Asset.objects.create(code=code, kind="image") for code in "abcd"}
    for code, days in {"a": -2, "b": 10, "c": 60}.items():
        usage_right_save(
            asset=assets[code],
            changes={"licence": "rights_managed", "valid_until": now + timedelta(days=days)},
        )
    usage_right_save(asset=assets["d"], changes={"licence": "owned"})  # no end
    expired = findings("dam.rights_expired")
    assert set(expired) == {str(assets["a"].uuid)}
    assert expired[str(assets["a"].uuid)][1]["code"] == "a"
    expiring = findings("dam.rights_expiring")
    assert set(expiring) == {str(assets["b"].uuid)}
    assert "expires on" in expiring[str(assets["b"].uuid)][0]
