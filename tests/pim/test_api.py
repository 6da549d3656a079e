import json

import pytest

from pim.models import Product
from tests.governance.factories import UserFactory
from tests.pim.builders import save, value

pytestmark = pytest.mark.usefixtures("catalog")
NDJSON = "application/x-ndjson"


@pytest.fixture
def editor(api_client):
    api_client.force_authenticate(
        UserFactory(
            username="editor",
            permissions=[f"pim.{a}_product" for a in ("add", "change", "delete", "view")]
            + [f"pim.{a}_productmodel" for a in ("add", "change", "view")],
        )
    )
    return api_client


def ndjson(*lines):
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)


def test_create_answers_201_with_location_etag_and_the_product(editor):
    response = editor.post(
        "/api/v1/products",
        {
            "sku": "tee-1",
            "family": "shirts",
            "values": {"name": value("Tee", locale="en_US")},
        },
    )
    assert response.status_code == 201, response.json()
    assert response["Location"] == "/api/v1/products/tee-1"
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["values"] == {"name": [{"channel": None, "locale": "en_US", "data": "Tee"}]}
    assert {c["channel"] for c in body["completeness"]} == {"ecommerce", "print"}


def test_invalid_create_answers_422_with_exact_places(editor):
    response = editor.post(
        "/api/v1/products",
        {
            "sku": "tee-1",
            "family": "shirts",
            "values": {"weight": value({"amount": 1, "unit": "pound"})},
        },
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("values.weight", "unit_not_allowed")
    ]


def test_patch_merges(editor):
    save(
        {
            "sku": "p",
            "family": "shirts",
            "categories": [],
            "values": {
                "name": value("Tee", locale="en_US") + value("T-shirt", locale="fr_FR"),
                "materials": value(["cotton", "wool"]),
                "organic": value(True),
            },
        }
    )
    response = editor.patch(
        "/api/v1/products/p",
        {
            "enabled": False,
            "values": {
                "name": [
                    {"channel": None, "locale": "fr_FR", "data": "Tee-shirt"}
                ],  # merges per locale
                "materials": value(["linen"]),  # lists replace
                "organic": value(None),  # null erases
            },
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["enabled"] is False
    assert sorted((v["locale"], v["data"]) for v in body["values"]["name"]) == [
        ("en_US", "Tee"),
        ("fr_FR", "Tee-shirt"),
    ]
    assert body["values"]["materials"] == [{"channel": None, "locale": None, "data": ["linen"]}]
    assert "organic" not in body["values"]
    assert body["version"] == 2


def test_a_stale_if_match_gets_412_and_changes_nothing(editor):
    save({"sku": "p", "family": "mugs"})
    etag = editor.get("/api/v1/products/p")["ETag"]
    assert (
        editor.patch(
            "/api/v1/products/p", {"values": {"pieces": value(2)}}, HTTP_IF_MATCH=etag
        ).status_code
        == 200
    )
    response = editor.patch(
        "/api/v1/products/p", {"values": {"pieces": value(3)}}, HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412
    assert response.json()["type"] == "urn:tessera:problem:stale-version"
    assert Product.objects.get().values == {"pieces": {"|": 2}}


def test_a_conditional_get_answers_304(editor):
    save({"sku": "p", "family": "mugs"})
    etag = editor.get("/api/v1/products/p")["ETag"]
    assert editor.get("/api/v1/products/p", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_sku_cannot_change_through_patch(editor):
    save({"sku": "p", "family": "mugs"})
    response = editor.patch("/api/v1/products/p", {"sku": "q"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "read_only"


def test_delete(editor):
    save({"sku": "p", "family": "mugs"})
    assert editor.delete("/api/v1/products/P").status_code == 204
    assert editor.get("/api/v1/products/p").status_code == 404


def test_bulk_upsert_answers_one_status_line_per_input_line(editor):
    save({"sku": "exists", "family": "mugs"})
    body = ndjson(
        {"sku": "new", "family": "mugs", "values": {"pieces": value(4)}},
        {"sku": "exists", "values": {"pieces": value(6)}},
        {"sku": "bad", "family": "mugs", "values": {"pieces": value(0)}},
        "{not json",
        "",
        {"family": "mugs"},
        {"sku": "NEW ", "family": "mugs"},
    )
    response = editor.generic("PATCH", "/api/v1/products", body, content_type=NDJSON)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(NDJSON)
    lines = [json.loads(line) for line in response.content.decode().splitlines()]
    assert [(line["line"], line["status_code"]) for line in lines] == [
        (1, 201),
        (2, 200),
        (3, 422),
        (4, 400),
        (6, 422),
        (7, 422),
    ]
    assert lines[2]["errors"][0]["field"] == "values.pieces"
    assert lines[4]["errors"][0]["code"] == "required"
    assert lines[5]["errors"][0]["code"] == "duplicate_in_request"
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["exists", "new"]
    assert Product.objects.get(sku="exists").values == {"pieces": {"|": 6}}


def test_bulk_upsert_refuses_more_than_1000_lines(editor):
    body = ndjson(*[{"sku": f"s{n}", "family": "mugs"} for n in range(1001)])
    response = editor.generic("PATCH", "/api/v1/products", body, content_type=NDJSON)
    assert response.status_code == 413
    assert not Product.objects.exists()


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_anonymous_cannot_write(api_client, method):
    save({"sku": "p", "family": "mugs"})
    url = "/api/v1/products" if method == "post" else "/api/v1/products/p"
    response = getattr(api_client, method)(url, {"sku": "x", "family": "mugs"}, format="json")
    assert response.status_code in (401, 403)
    assert Product.objects.count() == 1


def test_a_reader_cannot_write(api_client):
    api_client.force_authenticate(UserFactory())
    assert api_client.get("/api/v1/products").status_code == 200
    assert api_client.post("/api/v1/products", {"sku": "x", "family": "mugs"}).status_code == 403


def test_list_query_count_does_not_grow_with_page_size(editor):
    """10 products or 500 (simple and variants, with categories, completeness, associations)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pim.services.product_models import product_model_save
    from pim.services.products import product_upsert_many

    product_model_save(
        data={
            "code": "m",
            "family_variant": "shirts_by_size",
            "values": {"name": value("M", locale="en_US")},
        }
    )
    product_upsert_many(
        items=[
            {"sku": f"v{n}", "parent": "m", "values": {"size": value(s)}}
            for n, s in enumerate(["s", "m", "l"])
        ]
    )
    product_upsert_many(
        items=[
            {
                "sku": f"p{n:04}",
                "family": "shirts",
                "values": {"name": value(f"P{n}", locale="en_US")},
            }
            for n in range(497)
        ]
    )
    editor.get("/api/v1/products?page_size=1")  # the user's permissions, cached on first use
    counts = {}
    for size in (10, 500):
        with CaptureQueriesContext(connection) as queries:
            response = editor.get(f"/api/v1/products?page_size={size}")
        assert len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[10] == counts[500], counts
    assert counts[500] <= 10, counts


def test_list_filters(editor):
    save(
        {
            "sku": "a",
            "family": "shirts",
            "enabled": False,
            "values": {
                "color": value("red"),
                "materials": value(["cotton", "wool"]),
                "organic": value(True),
                "weight": value({"amount": 300, "unit": "gram"}),
                "name": value("Red oxford", locale="en_US"),
                "release": value("2024-05-01"),
            },
        }
    )
    save(
        {
            "sku": "b",
            "family": "shirts",
            "values": {
                "color": value("blue"),
                "materials": value(["linen"]),
                "weight": value({"amount": 2, "unit": "kilogram"}),
                "name": value("Blue linen", locale="en_US"),
            },
        }
    )
    save({"sku": "c", "family": "mugs"})

    def skus(query):
        response = editor.get(f"/api/v1/products?{query}")
        assert response.status_code == 200, response.json()
        return sorted(p["sku"] for p in response.json()["results"])

    assert skus("family=mugs") == ["c"]
    assert skus("enabled=false") == ["a"]
    assert skus("attr.color=red") == ["a"]
    assert skus("attr.materials=linen") == ["b"]
    assert skus("attr.organic=true") == ["a"]
    assert skus("attr.weight.gte=1") == ["b"]  # kilograms: 300 g is 0.3
    assert skus("attr.weight.lte=0.5") == ["a"]
    assert skus("attr.release.gte=2024-01-01") == ["a"]
    assert skus("attr.color.empty=true") == ["c"]
    assert skus("attr.name=Blue linen&locale=en_US") == ["b"]
    assert skus("q=oxford") == ["a"]
    assert skus("q=B") == ["b"]  # SKU prefix
    assert skus("completeness_channel=ecommerce&completeness_locale=en_US&completeness_gte=30") == [
        "a",
        "b",
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("attr.nope=1", "attr.nope"),
        ("attr.name=x", "attr.name"),
        ("attr.color.gte=1", "attr.color.gte"),
        ("completeness_gte=50", "completeness_channel"),
        ("updated_since=yesterday", "updated_since"),
        ("enabled=maybe", "enabled"),
    ],
)
def test_bad_filters_are_named(editor, query, field):
    response = editor.get(f"/api/v1/products?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_values_can_be_trimmed(editor):
    save(
        {
            "sku": "a",
            "family": "shirts",
            "values": {
                "name": [
                    *value("Tee", locale="en_US"),
                    {"channel": None, "locale": "fr_FR", "data": "T"},
                ],
                "organic": value(True),
                "price": value([{"amount": 1, "currency": "EUR"}], "ecommerce"),
            },
        }
    )
    body = editor.get("/api/v1/products/a?attributes=name,price&locales=fr_FR&channel=print").json()
    assert body["values"] == {"name": [{"channel": None, "locale": "fr_FR", "data": "T"}]}


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (
            "/api/v1/attributes",
            {"code": "x", "type": "text", "group": "general", "labels": {"xx_XX": "X"}},
        ),
        ("/api/v1/families", {"code": "x", "labels": ["not", "a", "dict"]}),
        (
            "/api/v1/family-variants",
            {
                "code": "x",
                "family": "shirts",
                "labels": {"en_US": ""},
                "levels": [{"axes": ["size"]}],
            },
        ),
    ],
)
def test_bad_labels_answer_422_not_500(admin_client, url, body):
    response = admin_client.post(url, body, content_type="application/json")
    assert response.status_code == 422, response.content[:300]
    assert [e["field"] for e in response.json()["errors"]] == ["labels"]
