import pytest
from django.db import connection
from django.http import QueryDict

from pim import selectors
from pim.api.filters import product_filter
from tests.pim.builders import save, value

pytestmark = pytest.mark.usefixtures("catalog")


def search(q):
    return product_filter(selectors.product_list(), QueryDict(f"q={q}"), selectors.catalog_load)


def test_q_finds_words_of_any_text_value_in_any_locale_and_sku_prefixes():
    save(
        {
            "sku": "OX-1",
            "family": "shirts",
            "values": {
                "name": value("Oxford shirt", locale="en_US")
                + value("Chemise Oxford", locale="fr_FR"),
                "care": value("<p>Wash <b>cold</b></p>", locale="en_US"),
            },
        }
    )
    save(
        {
            "sku": "LIN-1",
            "family": "shirts",
            "values": {"name": value("Linen shirt", locale="en_US")},
        }
    )
    assert sorted(p.sku for p in search("chemise")) == ["OX-1"]
    assert sorted(p.sku for p in search("cold")) == ["OX-1"]  # rich text, tags stripped
    assert sorted(p.sku for p in search("shirt")) == ["LIN-1", "OX-1"]
    assert sorted(p.sku for p in search("lin")) == ["LIN-1"]  # SKU prefix
    assert list(search("b")) == []  # no tag names leak into the search text


def test_q_uses_the_gin_index_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the GIN index exists on PostgreSQL only; the service tier runs this")
    save({"sku": "OX-1", "family": "shirts", "values": {"name": value("Oxford", locale="en_US")}})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
    plan = search("oxford").explain()
    assert "pim_product_search" in plan, plan
