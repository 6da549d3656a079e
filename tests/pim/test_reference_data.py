"""The catalog's structure as reference data on its own (pim.reference_data)."""

from pim import reference_data
from pim.models import Attribute, Family


def test_export_reimport_is_unchanged(catalog):
    exported = reference_data.reference_export()
    assert list(exported) == ["attribute_groups", "attributes", "families", "family_variants"]
    report = reference_data.reference_import(exported)
    assert report["errors"] == []
    assert all(v["created"] == v["updated"] == 0 for v in report["kinds"].values())


def test_import_creates_in_dependency_order(catalog):
    report = reference_data.reference_import(
        {
            "family_variants": [
                {"code": "hats_by_size", "family": "hats", "levels": [{"axes": ["size"]}]}
            ],
            "families": [{"code": "hats", "attributes": ["name", "size", "brim"]}],
            "attributes": [{"code": "brim", "type": "metric", "allowed_units": ["centimeter"]}],
            "attribute_groups": [{"code": "millinery"}],
        }
    )
    # No group given (required); the family and the variant that need `brim` fail with it.
    assert [(e["kind"], e["item"], e["field"], e["code"]) for e in report["errors"]] == [
        ("attributes", "brim", "group", "null"),
        ("families", "hats", "attributes", "unknown"),
        ("family_variants", "hats_by_size", "family", "unknown"),
    ]
    assert not Family.objects.filter(code="hats").exists()
    report = reference_data.reference_import(
        {
            "family_variants": [
                {"code": "hats_by_size", "family": "hats", "levels": [{"axes": ["size"]}]}
            ],
            "families": [{"code": "hats", "attributes": ["name", "size", "brim"]}],
            "attributes": [
                {
                    "code": "brim",
                    "type": "metric",
                    "group": "millinery",
                    "allowed_units": ["centimeter"],
                    "min_value": 1.5,
                }
            ],
            "attribute_groups": [{"code": "millinery"}],
        }
    )
    assert report["errors"] == [] and report["applied"]
    brim = Attribute.objects.get(code="brim")
    assert (brim.metric_family, str(brim.min_value)) == ("[length]", "1.500000")
    exported = reference_data.reference_export(["attributes"])["attributes"]
    assert next(a for a in exported if a["code"] == "brim")["min_value"] == "1.5"
