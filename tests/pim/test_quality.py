"""The catalog's quality checks, on real products saved through the services."""

import csv
import io

import pytest
from django.contrib.auth.models import Group

from governance import roles
from governance.models import Channel, QualityRun, WorkflowState
from governance.quality import REGISTRY
from pim.models import Product
from pim.services import catalog as catalog_services
from pim.services.product_models import product_model_save
from tests.governance.factories import UserFactory
from tests.pim.builders import save, value

pytestmark = pytest.mark.usefixtures("catalog")


def findings(code: str) -> dict[str, tuple[str, dict]]:
    """What the registered check finds now: object_ref → (message, details)."""
    found = list(REGISTRY[code].function())
    refs = [ref for ref, _, _ in found]
    assert len(refs) == len(set(refs)), "one finding per object"
    return {ref: (message, details) for ref, message, details in found}


def products(*items):
    for item in items:
        outcome = save(item)
        assert outcome.ok, outcome.errors


def named(sku, name, locale="en_US", family="shirts"):
    return {"sku": sku, "family": family, "values": {"name": value(name, locale=locale)}}


# --- duplicate SKUs -------------------------------------------------------------------------


def test_skus_equal_once_separators_and_case_are_ignored_are_found():
    products(
        {"sku": "AB-1", "family": "mugs"},
        {"sku": "ab 1", "family": "mugs"},
        {"sku": "a.b_1", "family": "mugs"},
        {"sku": "AB-2", "family": "mugs"},
        {"sku": "AB12", "family": "mugs"},
    )
    found = findings("pim.duplicate_sku")
    assert set(found) == {"AB-1", "ab 1", "a.b_1"}
    message, details = found["ab 1"]
    assert details == {"normalized": "ab1", "others": ["AB-1", "a.b_1"]}
    assert "a.b_1" in message and "AB-1" in message


def test_distinct_skus_are_not_duplicates():
    products({"sku": "AB-1", "family": "mugs"}, {"sku": "AB-10", "family": "mugs"})
    assert findings("pim.duplicate_sku") == {}


# --- near-duplicate names ---------------------------------------------------------------------


def test_products_with_nearly_the_same_name_in_a_locale_are_found():
    products(
        named("tee-1", "Classic Cotton T-Shirt"),
        named("tee-2", "Classic Cotton T-Shirts"),
        named("linen", "Organic Linen Summer Shirt"),
        named("mug", "Ceramic Coffee Mug"),
        # the same words in another locale are not a duplicate
        named("tee-fr", "Classic Cotton T-Shirt", locale="fr_FR"),
    )
    found = findings("pim.near_duplicate_name")
    assert set(found) == {"tee-1", "tee-2"}
    [match] = found["tee-1"][1]["matches"]
    assert match["sku"] == "tee-2" and match["locale"] == "en_US"
    assert (match["name"], match["other_name"]) == (
        "Classic Cotton T-Shirt",
        "Classic Cotton T-Shirts",
    )
    assert match["similarity"] >= 0.8
    assert "tee-2" in found["tee-1"][0]


def test_siblings_of_one_product_model_may_share_a_name():
    catalog_services.family_variant_save(
        code="shirts_named_by_size",
        changes={"family": "shirts", "levels": [{"axes": ["size"], "attributes": ["name"]}]},
    )
    product_model_save(data={"code": "tee", "family_variant": "shirts_named_by_size"})
    for size in ("s", "m"):
        products(
            {
                "sku": f"tee-{size}",
                "family": "shirts",
                "parent": "tee",
                "values": {
                    "size": value(size),
                    "name": value("Classic Cotton Tee", locale="en_US"),
                },
            }
        )
    assert findings("pim.near_duplicate_name") == {}
    products(named("other-tee", "Classic Cotton Tee"))
    found = findings("pim.near_duplicate_name")
    assert set(found) == {"tee-s", "tee-m", "other-tee"}
    assert [m["sku"] for m in found["other-tee"][1]["matches"]] == ["tee-m", "tee-s"]


# --- attributes always blank --------------------------------------------------------------------


def test_an_attribute_no_product_of_the_family_fills_is_found():
    products(
        {"sku": "mug-1", "family": "mugs", "values": {"name": value("Mug", locale="en_US")}},
        {"sku": "mug-2", "family": "mugs"},
    )
    found = findings("pim.attribute_always_blank")
    assert set(found) == {"mugs"}  # shirts has no product: nothing to say yet
    message, details = found["mugs"]
    assert details == {"attribute": "pieces", "products": 2}
    assert "pieces" in message
    products({"sku": "mug-2", "values": {"pieces": value(6)}})
    assert findings("pim.attribute_always_blank") == {}


def test_a_value_inherited_from_a_product_model_fills_the_attribute():
    product_model_save(
        data={
            "code": "oxford",
            "family_variant": "shirts_by_color_size",
            "values": {"name": value("Oxford", locale="en_US"), "organic": value(True)},
        }
    )
    product_model_save(
        data={
            "code": "oxford_red",
            "family_variant": "shirts_by_color_size",
            "parent": "oxford",
            "values": {"color": value("red")},
        }
    )
    products(
        {
            "sku": "oxford-red-s",
            "family": "shirts",
            "parent": "oxford_red",
            "values": {"size": value("s")},
        }
    )
    found = list(REGISTRY["pim.attribute_always_blank"].function())
    blank = {details["attribute"] for ref, _, details in found if ref == "shirts"}
    assert {"name", "organic", "color", "size"}.isdisjoint(blank)
    assert {"care", "rating", "weight", "materials"} <= blank


# --- inconsistent units -----------------------------------------------------------------------------


def weighing(sku, amount, unit):
    return {
        "sku": sku,
        "family": "shirts",
        "values": {"weight": value({"amount": amount, "unit": unit})},
    }


def test_a_metric_attribute_with_values_in_two_units_is_found():
    products(weighing("a", "500", "gram"), weighing("b", "250", "gram"))
    assert findings("pim.inconsistent_units") == {}
    products(weighing("c", "1", "kilogram"))
    found = findings("pim.inconsistent_units")
    assert found["weight"][1] == {"units": {"gram": 2, "kilogram": 1}}
    assert found["weight"][0] == "Values of weight use 2 units: gram (2), kilogram (1)."


# --- approved but incomplete --------------------------------------------------------------------------


def test_approved_products_below_a_channels_approval_completeness_are_found():
    products(named("approved", "Tee"), named("draft", "Tee too"))
    Product.objects.filter(sku="approved").update(workflow_state=WorkflowState.APPROVED)
    found = findings("pim.approved_incomplete")
    assert set(found) == {"approved"}
    gaps = {(g["channel"], g["locale"]): g for g in found["approved"][1]["gaps"]}
    assert set(gaps) == {("ecommerce", "en_US"), ("ecommerce", "fr_FR"), ("print", "de_DE")}
    assert gaps[("ecommerce", "en_US")] == {
        "channel": "ecommerce",
        "locale": "en_US",
        "ratio": 33,
        "required": 100,
        "missing": ["price", "weight"],
    }
    Channel.objects.filter(code="print").update(approval_min_completeness=0)
    Channel.objects.filter(code="ecommerce").update(approval_min_completeness=33)
    found = findings("pim.approved_incomplete")
    assert [(g["channel"], g["locale"]) for g in found["approved"][1]["gaps"]] == [
        ("ecommerce", "fr_FR")
    ]
    Channel.objects.filter(code="ecommerce").update(approval_min_completeness=0)
    assert findings("pim.approved_incomplete") == {}


# --- through a run and the CSV download ---------------------------------------------------------


def test_formula_like_skus_are_defused_in_the_csv_download(api_client, run_tasks_on_commit):
    hyperlink = '=HYPERLINK("http://evil.example/?x","click")'
    products(
        *(
            {"sku": sku, "family": "mugs"}
            for sku in (hyperlink, hyperlink + ".", "+1", "+1.", "-2", "-2_", "@x", "@x-")
        )
    )
    owner = UserFactory(username="owner")
    owner.groups.add(Group.objects.get(name=roles.PRODUCT_DATA_OWNER))
    api_client.force_authenticate(owner)
    with run_tasks_on_commit(execute=True):
        response = api_client.post(
            "/api/v1/quality-runs", {"checks": ["pim.duplicate_sku"]}, format="json"
        )
    run = QualityRun.objects.get(pk=response.json()["id"])
    assert run.counts == {"pim.duplicate_sku": 8}
    download = api_client.get(f"/api/v1/quality-runs/{run.pk}/findings.csv")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    refs = sorted(row[4] for row in rows[1:])
    assert refs == sorted(
        "'" + sku for sku in (hyperlink, hyperlink + ".", "+1", "+1.", "-2", "-2_", "@x", "@x-")
    )
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
