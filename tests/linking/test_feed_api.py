"""The channel feed API: stored documents served as they are (minus media whose right ended),
cursor pages without gaps or duplicates, conditional GET, parameter errors, who may read."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.api_keys import api_key_create
from governance.models import Channel, Locale
from linking.models import ChannelDocument
from linking.services.document_build import document_etag
from pim.models import Product
from pim.services.products import product_upsert_many
from tests.governance.factories import UserFactory
from tests.linking.feed_helpers import (
    approve_asset,
    approve_product,
    build_feed_world,
    refresh,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(linked_catalog):
    return build_feed_world(linked_catalog)


FEED = "/api/v1/channels/ecommerce/products"


@pytest.fixture
def reader(api_client, world):
    api_client.force_authenticate(UserFactory(username="reader", permissions=["pim.view_product"]))
    return api_client


def seed(count: int, *, channel="ecommerce", locale="en_US", start=None, tie_every=3) -> list:
    """`count` products with stored documents; every `tie_every` rows share an updated_at (the
    cursor must still neither skip nor repeat them)."""
    outcomes = product_upsert_many(
        items=[{"sku": f"seed-{n:03}", "family": "mugs"} for n in range(count)]
    )
    assert all(o.ok for o in outcomes)
    start = start or timezone.now() - timedelta(hours=1)
    channel_row, locale_row = Channel.objects.get(code=channel), Locale.objects.get(code=locale)
    rows = []
    for n, outcome in enumerate(outcomes):
        text = json.dumps({"sku": outcome.product.sku, "media": {}}, separators=(",", ":"))
        rows.append(
            ChannelDocument(
                channel=channel_row,
                locale=locale_row,
                product=outcome.product,
                sku=outcome.product.sku,
                document=text,
                etag=document_etag(text),
                updated_at=start + timedelta(seconds=n // tie_every),
            )
        )
    return ChannelDocument.objects.bulk_create(rows)


def walk(client, url) -> tuple[list[str], int]:
    skus, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        skus += [document["sku"] for document in body["results"]]
        url, pages = body["next"], pages + 1
    return skus, pages


def test_the_feed_serves_the_stored_documents(world, reader):
    approve_asset(world, world.asset("hero"))
    approve_product(world, world.tee)
    refresh(world.tee)
    response = reader.get(FEED + "?locale=fr_FR")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    stored = ChannelDocument.objects.get(product=world.tee, locale__code="fr_FR").document
    assert response.content.decode() == '{"results":[' + stored + '],"next":null}'
    assert response["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert {"Authorization", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}


def test_pages_follow_the_cursor_without_gaps_or_duplicates(reader):
    seeded = seed(25)
    skus, pages = walk(reader, FEED + "?locale=en_US&limit=7")
    assert pages == 4 and len(skus) == len(set(skus)) == 25
    expected = sorted(seeded, key=lambda row: (row.updated_at, row.pk))
    assert skus == [row.sku for row in expected]


def test_a_document_changed_while_paging_comes_again_at_the_end(reader):
    seed(10)
    first = reader.get(FEED + "?locale=en_US&limit=5").json()
    early = ChannelDocument.objects.get(sku=first["results"][0]["sku"])
    ChannelDocument.objects.filter(pk=early.pk).update(updated_at=timezone.now())
    rest, _ = walk(reader, first["next"])
    assert rest[-1] == early.sku and len(rest) == 6


def test_updated_since_returns_what_changed_from_then(reader):
    rows = seed(9, tie_every=1)
    since = rows[6].updated_at.isoformat()
    response = reader.get(FEED, {"locale": "en_US", "updated_since": since})
    assert [d["sku"] for d in response.json()["results"]] == [r.sku for r in rows[6:]]


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("", "locale", "locale_required"),
        ("?locale=de_DE", "locale", "unknown_locale"),
        ("?locale=en_US&limit=1001", "limit", "invalid_limit"),
        ("?locale=en_US&limit=0", "limit", "invalid_limit"),
        ("?locale=en_US&limit=many", "limit", "invalid_limit"),
        ("?locale=en_US&updated_since=yesterday", "updated_since", "invalid_datetime"),
        ("?locale=en_US&updated_since=2026-01-01T00:00:00", "updated_since", "invalid_datetime"),
        ("?locale=en_US&cursor=not-ours", "cursor", "invalid_cursor"),
    ],
)
def test_unusable_parameters_answer_400_naming_them(reader, query, field, code):
    response = reader.get(FEED + query)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "urn:tessera:problem:invalid-parameter"
    assert body["errors"] == [{"field": field, "code": code, "message": body["detail"]}]


def test_a_channel_with_one_locale_needs_none_named(reader):
    seed(2, channel="print", locale="de_DE")
    response = reader.get("/api/v1/channels/print/products")
    assert response.status_code == 200 and len(response.json()["results"]) == 2


def test_limit_1000_is_allowed(reader):
    seed(3)
    assert reader.get(FEED + "?locale=en_US&limit=1000").status_code == 200


def test_an_unchanged_page_answers_304_and_a_change_a_new_etag(reader):
    rows = seed(4)
    url = FEED + "?locale=en_US"
    first = reader.get(url)
    again = reader.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and not again.content
    assert reader.get(url + "&limit=2", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    text = rows[1].document.replace("}", ',"changed":true}', 1)
    ChannelDocument.objects.filter(pk=rows[1].pk).update(document=text, etag=document_etag(text))
    changed = reader.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_one_document_by_sku_with_its_etag(world, reader):
    approve_asset(world, world.asset("hero"))
    approve_product(world, world.tee)
    refresh(world.tee)
    row = ChannelDocument.objects.get(product=world.tee, locale__code="en_US")
    response = reader.get(FEED + "/PLAIN-TEE?locale=en_US")
    assert response.status_code == 200 and response.content.decode() == row.document
    assert response["ETag"] == f'"{row.etag}"'
    assert (
        reader.get(
            FEED + "/plain-tee?locale=en_US", HTTP_IF_NONE_MATCH=response["ETag"]
        ).status_code
        == 304
    )
    assert reader.get(FEED + "/oxford-red-m?locale=en_US").status_code == 404


def test_media_whose_right_ended_leaves_the_manifest_at_request_time(world, reader):
    ends = timezone.now() + timedelta(hours=2)
    approve_asset(
        world,
        world.asset("hero"),
        rights=({"licence": "rights_managed", "valid_until": ends.isoformat()},),
    )
    approve_product(world, world.tee)
    refresh(world.tee)
    before = reader.get(FEED + "?locale=en_US").json()["results"][0]
    assert before["media"]["hero"] and before["media_readiness"]["score"] == 100
    # The right ends: no sweep has run yet, the stored document still lists the asset.
    ChannelDocument.objects.update(media_expires_at=timezone.now() - timedelta(seconds=1))
    shown = json.loads(ChannelDocument.objects.get(locale__code="en_US").document)
    shown["media"]["hero"][0]["usable_until"] = (timezone.now() - timedelta(seconds=1)).isoformat()
    text = json.dumps(shown, separators=(",", ":"), ensure_ascii=False)
    ChannelDocument.objects.filter(locale__code="en_US").update(document=text)
    page = reader.get(FEED + "?locale=en_US")
    served = page.json()["results"][0]
    assert served["media"] == {}
    assert served["media_readiness"]["score"] == 0
    assert served["media_readiness"]["missing"][-1]["code"] == "rights_invalid"
    one = reader.get(FEED + "/plain-tee?locale=en_US")
    assert one.json()["media"] == {} and one["ETag"] != f'"{document_etag(text)}"'


def test_the_page_costs_the_same_queries_at_5_and_50_rows(reader):
    seed(50)
    reader.get(FEED, {"locale": "en_US", "limit": 1})  # the user's permissions, loaded once
    counts = []
    for limit in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert reader.get(FEED, {"locale": "en_US", "limit": limit}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == 2  # the channel with its locales, the page


# ------------------------------------------------------------------------------ who may read


def test_a_read_key_of_another_channel_cannot_read_this_one(world, client):
    seed(2, channel="print", locale="de_DE")
    _, raw = api_key_create(name="print-reader", scope="read", channel=world.print)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(FEED + "?locale=en_US", **bearer).status_code == 404
    assert client.get(FEED + "/plain-tee?locale=en_US", **bearer).status_code == 404
    response = client.get("/api/v1/channels/print/products", **bearer)
    assert response.status_code == 200 and len(response.json()["results"]) == 2
    _, unrestricted = api_key_create(name="reader", scope="read")
    assert (
        client.get(FEED + "?locale=en_US", HTTP_AUTHORIZATION=f"Bearer {unrestricted}").status_code
        == 200
    )


def test_reading_needs_sign_in_and_the_product_view_permission(world, api_client):
    assert api_client.get(FEED + "?locale=en_US").status_code == 401
    api_client.force_authenticate(UserFactory(username="nobody"))
    assert api_client.get(FEED + "?locale=en_US").status_code == 403


def test_an_unknown_channel_is_404(reader):
    assert reader.get("/api/v1/channels/nowhere/products").status_code == 404
    assert Product.objects.exists()
