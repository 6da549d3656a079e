"""A NUL in any text of a JSON body is refused at the door with a 422 on its field: PostgreSQL
can neither store nor compare it (found by the fuzzer: a product's `parent` reached a lookup)."""

import json

import pytest

from pim.models import Product
from tests.pim.builders import save
from tests.pim.test_api import NDJSON, editor, ndjson  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"parent": "a\x00b"}, "parent"),
        ({"family": False, "parent": "\x00w", "categories": 27}, "parent"),
        ({"categories": ["tops", "a\x00"]}, "categories[1]"),
        ({"associations": {"x_sell": [{"product": "p\x00"}]}}, "associations.x_sell[0].product"),
        ({"values": {"na\x00me": []}}, "values.na\x00me"),
    ],
)
def test_a_nul_anywhere_in_a_patch_is_a_422_on_its_field(editor, body, field):  # noqa: F811
    save({"sku": "nul-1", "family": "mugs"})
    response = editor.patch("/api/v1/products/nul-1", body, format="json")
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert Product.objects.get(sku="nul-1").version == 1  # nothing written


def test_an_ndjson_line_with_a_nul_is_refused_alone(editor):  # noqa: F811
    body = ndjson({"sku": "ok-1", "family": "mugs"}, {"sku": "bad\x00", "family": "mugs"})
    response = editor.generic("PATCH", "/api/v1/products", body, content_type=NDJSON)
    assert response.status_code == 200, response.content
    lines = [json.loads(line) for line in response.content.decode().splitlines()]
    assert [(line["line"], line["status_code"]) for line in lines] == [(1, 201), (2, 400)]
    assert "NUL" in json.dumps(lines[1])
    assert list(Product.objects.values_list("sku", flat=True)) == ["ok-1"]


def test_an_escaped_backslash_u_is_ordinary_text(editor):  # noqa: F811
    response = editor.post(
        "/api/v1/products", {"sku": "esc-1", "family": "mugs", "values": {}}, format="json"
    )
    assert response.status_code == 201
    response = editor.patch(
        "/api/v1/products/esc-1",
        json.dumps({"categories": ["\\u0000"]}),
        content_type="application/json",
    )
    assert response.status_code == 422  # no such category: an ordinary refusal, on its field
    assert response.json()["errors"][0]["field"].startswith("categories")
