"""Workbench product media panel: grouping by role with inherited media, reordering, role
changes, unlinking, picking from the library, upload-and-link, readiness and permissions."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from dam.models import UploadPreset
from governance.roles import ASSET_CONTRIBUTOR, PRODUCT_EDITOR, VIEWER
from linking.models import ProductAssetLink
from linking.services.links import link_add
from tests.dam.conftest import image_bytes, upload
from tests.governance.people import member

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def editor(client):
    user = member(PRODUCT_EDITOR)
    client.force_login(user)
    return user


def _url(name, sku, *args):
    return reverse(name, args=[sku, *args])


def test_panel_groups_by_role_and_marks_inherited(client, linked_catalog, editor):
    assets = linked_catalog.assets
    link_add(asset=assets["back"], product=linked_catalog.variant, role="back")
    link_add(asset=assets["hero"], product=linked_catalog.variant, role="hero")
    link_add(asset=assets["lifestyle"], product_model=linked_catalog.root, role="lifestyle")
    page = client.get(_url("workbench-product-media", "oxford-red-m"), **HTMX)
    body = page.content.decode()
    assert page.status_code == 200 and "<html" not in body
    assert body.index(">Hero") < body.index(">Back") < body.index(">Lifestyle")
    assert "from model oxford" in body
    assert "Readiness" in body and "ecommerce" in body
    full = client.get(_url("workbench-product-media", "oxford-red-m"))
    assert "<html" in full.content.decode()


def test_reorder_by_drop_and_by_buttons(client, linked_catalog, editor):
    tee, assets = linked_catalog.standalone, linked_catalog.assets
    first = link_add(asset=assets["hero"], product=tee, role="detail")
    link_add(asset=assets["back"], product=tee, role="detail")
    url = _url("workbench-product-media-reorder", "plain-tee")
    order = [str(assets["back"].uuid), str(assets["hero"].uuid)]
    assert client.post(url, {"role": "detail", "asset": order}, **HTMX).status_code == 200
    assert ProductAssetLink.objects.get(pk=first.pk).position == 1
    client.post(url, {"link": first.pk, "direction": "up"}, **HTMX)
    assert ProductAssetLink.objects.get(pk=first.pk).position == 0
    wrong = client.post(url, {"role": "detail", "asset": order[:1]}, **HTMX)
    assert wrong.status_code == 422 and "leaves out" in wrong.content.decode()


def test_change_role_unlink_pick_and_link(client, linked_catalog, editor):
    tee, assets = linked_catalog.standalone, linked_catalog.assets
    link = link_add(asset=assets["hero"], product=tee, role="detail")
    role = _url("workbench-product-media-role", "plain-tee", link.pk)
    assert client.post(role, {"role": "hero"}, **HTMX).status_code == 200
    assert ProductAssetLink.objects.get(pk=link.pk).role == "hero"
    bad = client.post(role, {"role": "nonsense"}, **HTMX)
    assert bad.status_code == 422 and "Unknown media role" in bad.content.decode()
    picked = client.get(_url("workbench-product-media-pick", "plain-tee"), {"q": "lifestyle"})
    assert str(assets["lifestyle"].uuid) in picked.content.decode()
    linked = client.post(
        _url("workbench-product-media-link", "plain-tee"),
        {"asset": assets["lifestyle"].uuid, "role": "lifestyle"},
        **HTMX,
    )
    assert linked.status_code == 200 and "lifestyle" in linked.content.decode()
    unlink = _url("workbench-product-media-unlink", "plain-tee", link.pk)
    assert client.post(unlink, **HTMX).status_code == 200
    assert list(tee.asset_links.values_list("role", flat=True)) == ["lifestyle"]


def test_upload_and_link_reports_each_file(client, linked_catalog, editor):
    editor.groups.add(Group.objects.get(name=ASSET_CONTRIBUTOR))  # uploading needs dam.add_asset
    UploadPreset.objects.create(code="big", min_width=60)
    files = [
        upload("big.jpg", image_bytes((80, 80), (5, 5, 5))),
        upload("tiny.jpg", image_bytes((10, 10), (6, 6, 6))),
    ]
    answer = client.post(
        _url("workbench-product-media-upload", "plain-tee"), {"role": "hero", "file": files}, **HTMX
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and "Uploaded as" in body and "Refused" in body
    links = linked_catalog.standalone.asset_links.all()
    assert [(link.role, link.asset.code) for link in links] == [("hero", "big")]


def test_viewer_sees_no_controls_and_cannot_write(client, linked_catalog):
    client.force_login(member(VIEWER))
    link = link_add(
        asset=linked_catalog.assets["hero"], product=linked_catalog.standalone, role="hero"
    )
    body = client.get(_url("workbench-product-media", "plain-tee"), **HTMX).content.decode()
    assert "Unlink" not in body and "Upload and link" not in body and "draggable" not in body
    unlink = _url("workbench-product-media-unlink", "plain-tee", link.pk)
    assert client.post(unlink, **HTMX).status_code == 403
    assert client.get(_url("workbench-product-media", "no-such-sku")).status_code == 404


def test_panel_query_count_does_not_grow(
    client, linked_catalog, editor, django_assert_max_num_queries
):
    tee, assets = linked_catalog.standalone, linked_catalog.assets
    link_add(asset=assets["hero"], product=tee, role="hero")
    url = _url("workbench-product-media", "plain-tee")
    client.get(url, **HTMX)
    with django_assert_max_num_queries(60) as few:
        client.get(url, **HTMX)
    for name in ("back", "side", "lifestyle", "swatch_red"):
        link_add(asset=assets[name], product=tee, role="detail")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, **HTMX)
