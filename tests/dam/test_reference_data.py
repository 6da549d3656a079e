"""Rendition profiles as reference data on their own (dam.reference_data)."""

from dam import reference_data
from dam.models import RenditionProfile

PROFILES = {
    "rendition_profiles": [
        {"code": "thumb", "width": 120, "height": 120, "fit": "cover", "format": "webp"},
        {"code": "preview", "width": 640, "format": "mp4", "labels": None},
    ]
}


def test_import_export_reimport(db):
    report = reference_data.reference_import(PROFILES)
    assert report["errors"] == [] and report["kinds"]["rendition_profiles"]["created"] == 2
    exported = reference_data.reference_export()
    assert [p["code"] for p in exported["rendition_profiles"]] == ["preview", "thumb"]
    assert exported["rendition_profiles"][1]["fit"] == "cover"
    report = reference_data.reference_import(exported)
    assert report["kinds"]["rendition_profiles"]["unchanged"] == 2


def test_an_invalid_profile_refuses_the_whole_file(db):
    bad = {"rendition_profiles": [*PROFILES["rendition_profiles"], {"code": "x", "quality": 0}]}
    report = reference_data.reference_import(bad, dry_run=True)
    assert {e["item"] for e in report["errors"]} == {"x"}
    report = reference_data.reference_import(bad)
    assert not report["applied"]
    assert not RenditionProfile.objects.exists()
