"""Asset search on PostgreSQL: the stored tsvector column (migration 0008) and the plan.

The default tier runs on SQLite, where search is the icontains branch; these run in the service
tier, where the whole suite runs against PostgreSQL.
"""

import pytest
from django.db import connection
from django.http import QueryDict

from dam import selectors
from dam.models import Asset
from dam.services import asset_update
from tests import tiers
from tests.dam.conftest import image_bytes, upload

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("postgresql")]


@pytest.fixture
def postgresql(db):
    if connection.vendor != "postgresql":
        tiers.unavailable("services", "asset search's vector column exists on PostgreSQL only")


@pytest.fixture
def library(librarian):
    """Three uploads (the code and file name are their first text), then titles and alt texts
    written by the service, as an edit in the library would."""
    for n, name in enumerate(("wide.jpg", "tall.jpg", "logo.png")):
        data = image_bytes(color=(40 * n, 90, 200), fmt="PNG" if name.endswith(".png") else "JPEG")
        response = librarian.post(
            "/api/v1/assets", {"file": [upload(name, data)]}, format="multipart"
        )
        assert response.status_code == 201, response.content
    texts = {
        "wide": {"title": {"en_US": "Summer campaign hero"}},
        "tall": {"title": {"en_US": "Campaign for summer"}},
        "logo": {"alt_text": {"en_US": "Brand mark", "fr_FR": "Chemise bleue brodée"}},
    }
    for code, changes in texts.items():
        asset_update(asset=Asset.objects.get(code=code), changes=changes)
    return librarian


def codes(client, q):
    response = client.get("/api/v1/assets", {"q": q})
    assert response.status_code == 200, response.content
    return [a["code"] for a in response.json()["results"]]


def test_words_phrases_locales_file_names_and_no_match(library):
    assert codes(library, "campaign") == ["wide", "tall"]  # in id order, as the list pages
    assert codes(library, "CAMPAIGN hero") == ["wide"]  # every word; the simple config folds case
    assert codes(library, "summer campaign") == ["wide", "tall"]  # in any order
    assert codes(library, '"summer campaign"') == ["wide"]  # a phrase: in this order
    assert codes(library, '"campaign for summer"') == ["tall"]
    assert codes(library, "chemise") == ["logo"]  # another locale's alt text
    assert codes(library, "brand") == ["logo"]
    assert codes(library, "logo.png") == ["logo"]  # the original file name, one token
    assert codes(library, "tall") == ["tall"]  # the code
    assert codes(library, "zzyzx") == []
    assert codes(library, "-") == []  # no lexeme at all


def test_the_vector_follows_the_text_it_is_made_of(library):
    asset_update(asset=Asset.objects.get(code="wide"), changes={"title": {"en_US": "Winter look"}})
    assert codes(library, "campaign") == ["tall"]
    assert codes(library, "winter") == ["wide"]


def test_matches_come_from_the_index_then_the_page_from_the_id_index(library):
    """Neither the match nor a phrase's recheck parses search_text again, the vector is not in
    the SELECT list, and the page walks the primary key over the matches only: before, a rare
    word could walk the whole id index computing to_tsvector on every row."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
    for q in ("campaign", '"summer campaign"', "logo.png"):
        page = selectors.asset_filter(selectors.asset_list(), QueryDict(f"q={q}")).order_by("pk")
        plan = page[:51].explain()
        assert "dam_asset_search_vector" in plan, plan  # the GIN index on the column
        assert "to_tsvector" not in plan, plan
        assert "= ANY ($0)" in plan, plan  # the page: the id index over the matched ids
        assert "search_vector" not in str(page.query).split(" FROM ")[0]  # not selected
