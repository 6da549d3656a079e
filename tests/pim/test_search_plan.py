"""Product search on PostgreSQL: the stored tsvector column (migration 0005) and the plan.

The default tier runs on SQLite, where search is the icontains branch; these run in the service
tier, where the whole suite runs against PostgreSQL.
"""

import pytest
from django.db import connection
from django.http import QueryDict

from pim import selectors
from pim.api.filters import product_filter
from pim.services.products import product_upsert_many
from tests import tiers
from tests.pim.builders import save, value

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("catalog", "postgresql")]


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        tiers.unavailable("services", "product search's vector column exists on PostgreSQL only")


def search(q):
    params = QueryDict(f"q={q}")
    return product_filter(selectors.product_list(), params, selectors.catalog_load).order_by("pk")


def skus(q):
    return [p.sku for p in search(q)]


def named(sku, name, locale="en_US"):
    return {"sku": sku, "family": "shirts", "values": {"name": value(name, locale=locale)}}


def test_words_phrases_sku_prefixes_and_no_match():
    # Two products at once go through bulk upsert's COPY: the generated column fills itself.
    product_upsert_many(
        items=[named("OX-1", "Classic slim Oxford shirt"), named("LIN-1", "Slim classic linen")]
    )
    save(named("TEE-9", "Chemise classique", locale="fr_FR"))
    assert skus("oxford") == ["OX-1"]
    assert skus("SHIRT") == ["OX-1"]  # the simple configuration folds case
    assert skus("classic slim") == ["OX-1", "LIN-1"]  # every word, in any order
    assert skus('"classic slim"') == ["OX-1"]  # a phrase: these words, in this order
    assert skus('"slim classic"') == ["LIN-1"]
    assert skus("chemise") == ["TEE-9"]  # another locale's text
    assert skus("lin") == ["LIN-1"]  # no such word: the SKU prefix
    assert skus("ox-1") == ["OX-1"]
    assert skus("tee") == ["TEE-9"]
    assert skus("zzyzx") == []
    assert skus("-") == []  # no lexeme and no SKU starting so


def test_a_word_or_a_sku_prefix():
    save(named("LINEN-7", "Plain tee"))
    save(named("T-1", "Linen trousers"))
    assert skus("linen") == ["LINEN-7", "T-1"]


def test_the_vector_follows_the_text_it_is_made_of():
    save(named("OX-1", "Oxford shirt"))
    save(named("OX-1", "Flannel shirt"))
    assert skus("oxford") == []
    assert skus("flannel") == ["OX-1"]


def test_matches_come_from_the_indexes_then_the_page_from_the_id_index():
    """Neither the match nor a phrase's recheck parses search_text again, and the page walks
    the primary key over the matches only: before, a rare word or phrase walked the whole id
    index computing to_tsvector on every row (a second at 50,000 products)."""
    save(named("OX-1", "Classic slim Oxford shirt"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
    for q in ("oxford", '"classic slim"', "ox-1"):
        plan = search(q)[:51].explain()
        assert "pim_product_search_vector" in plan, plan  # the GIN index on the column
        assert "to_tsvector" not in plan, plan
        assert "= ANY ($0)" in plan, plan  # the page: the id index over the matched ids
    assert "pim_product_sku_prefix" in search("ox-1")[:51].explain()


def test_a_word_most_rows_hold_walks_the_id_index_instead():
    """The probe (the first 1,000 rows by id) finds the word common: the page is the plain
    filter, which on a large table walks the id index and stops at its 51st match (a tiny test
    table is sorted whatever the query), rather than collecting every match first."""
    outcomes = product_upsert_many(
        items=[named(f"CT-{n:03}", f"Cotton tee {n}") for n in range(12)]
        + [named(f"LN-{n:03}", f"Linen tee {n}") for n in range(3)]
    )
    assert all(o.ok for o in outcomes)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = search("cotton")[:51].explain()
    assert "ANY" not in plan, plan
    assert "to_tsvector" not in plan, plan
    assert skus("cotton") == [f"CT-{n:03}" for n in range(12)]
    assert "= ANY ($0)" in search("linen")[:51].explain()  # 3 of the first rows: collected
    assert skus("linen") == ["LN-000", "LN-001", "LN-002"]
    assert skus('"cotton tee"') == [f"CT-{n:03}" for n in range(12)]
