"""Workbench asset library and asset detail: listing with facets and keyset paging, per-file
upload answers, and the detail page's writes through dam's services and the workflow."""

import pytest
from django.urls import reverse

from dam.models import Asset, RenditionProfile, UploadPreset
from dam.services import asset_update
from governance.models import WorkflowState
from governance.roles import ASSET_CONTRIBUTOR, ASSET_LIBRARIAN, VIEWER
from tests.dam.conftest import image_bytes, upload
from tests.governance.people import member
from tests.linking.builders import image_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(catalog, local_storage):
    RenditionProfile.objects.create(code="thumb", width=32, height=32, format="webp")
    return [image_asset(f"pic{n}", color=(n * 20, 10, 10)) for n in range(3)]


@pytest.fixture
def librarian(client):
    user = member(ASSET_LIBRARIAN)
    client.force_login(user)
    return user


def test_library_lists_searches_and_pages(client, library, librarian, settings):
    page = client.get(reverse("workbench-assets"))
    assert page.status_code == 200
    body = page.content.decode()
    assert all(a.code in body for a in library) and "/r/" in body  # thumbnails
    found = client.get(reverse("workbench-assets"), {"q": "pic1", "view": "list"})
    assert "pic1" in found.content.decode() and "pic2" not in found.content.decode()
    settings.DEBUG = False
    import linking.views.assets as assets_view

    assets_view.PAGE_SIZE, old = 2, assets_view.PAGE_SIZE
    try:
        first = client.get(reverse("workbench-assets"))
        assert 'rel="next"' in first.content.decode()
        second = client.get(reverse("workbench-assets"), {"after": library[1].pk})
        assert library[0].code in second.content.decode()
        assert library[2].code not in second.content.decode()
    finally:
        assets_view.PAGE_SIZE = old


def test_library_facets_state_and_rights(client, library, librarian):
    asset_update(asset=library[0], changes={"alt_text": {"en_US": "A red thing"}})
    body = client.get(reverse("workbench-assets"), {"rights": "some"}).content.decode()
    assert "No asset matches" in body
    body = client.get(reverse("workbench-assets"), {"state": "draft", "kind": "image"})
    assert library[2].code in body.content.decode()
    bad = client.get(reverse("workbench-assets"), {"orientation": "x", "q": ""})
    assert bad.status_code == 200


def test_library_query_count_does_not_grow(
    client, catalog, local_storage, librarian, django_assert_max_num_queries
):
    RenditionProfile.objects.create(code="thumb", width=32, height=32, format="webp")
    image_asset("first")
    client.get(reverse("workbench-assets"))  # warm the session and content types
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("workbench-assets"))
    for n in range(8):
        image_asset(f"more{n}", color=(10, n * 25, 10))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("workbench-assets"), {"view": "list"})


def test_upload_answers_per_file(client, library, librarian):
    UploadPreset.objects.create(code="big", min_width=500)
    small = client.post(
        reverse("workbench-asset-upload"), {"file": upload("small.jpg", image_bytes())}
    )
    assert small.status_code == 422 and "Refused" in small.content.decode()
    UploadPreset.objects.all().delete()
    good = client.post(
        reverse("workbench-asset-upload"),
        {"file": upload("good.jpg", image_bytes(color=(1, 2, 250)))},
    )
    assert good.status_code == 200 and "Uploaded as" in good.content.decode()
    dupe_bytes = image_bytes(color=(1, 2, 250))
    dupe = client.post(reverse("workbench-asset-upload"), {"file": upload("again.jpg", dupe_bytes)})
    assert "Duplicate of" in dupe.content.decode() and "Open existing" in dupe.content.decode()


def test_viewer_cannot_upload_or_edit(client, library):
    client.force_login(member(VIEWER))
    assert "Choose files" not in client.get(reverse("workbench-assets")).content.decode()
    assert client.post(reverse("workbench-asset-upload")).status_code == 403
    url = reverse("workbench-asset", args=[library[0].uuid])
    assert "Save metadata" not in client.get(url).content.decode()
    metadata = reverse("workbench-asset-metadata", args=[library[0].uuid])
    assert client.post(metadata, {"alt_text-en_US": "x"}).status_code == 403


def test_detail_saves_alt_text_and_reports_conflicts(client, library, librarian):
    asset = library[0]
    url = reverse("workbench-asset-metadata", args=[asset.uuid])
    page = client.get(reverse("workbench-asset", args=[asset.uuid]))
    assert page.status_code == 200 and "Alt text (fr_FR)" in page.content.decode()
    done = client.post(url, {"version": asset.version, "alt_text-fr_FR": "Une chose"})
    assert done.status_code == 302
    asset.refresh_from_db()
    assert asset.alt_text == {"fr_FR": "Une chose"}
    stale = client.post(url, {"version": asset.version - 1, "alt_text-en_US": "A thing"})
    assert stale.status_code == 409 and "Someone else changed" in stale.content.decode()
    asset.refresh_from_db()
    assert "en_US" not in asset.alt_text
    too_long = client.post(url, {"version": asset.version, "alt_text-en_US": "x" * 600})
    assert too_long.status_code == 422 and "1 to 500 characters" in too_long.content.decode()


def test_detail_focal_point_rights_and_versions(client, library, librarian):
    asset = library[0]
    focal = reverse("workbench-asset-focal", args=[asset.uuid])
    assert (
        client.post(
            focal, {"version": asset.version, "focal_point_x": "0.75", "focal_point_y": "0.5"}
        ).status_code
        == 302
    )
    asset.refresh_from_db()
    assert (asset.focal_point_x, asset.focal_point_y) == (0.75, 0.5)
    bad = client.post(focal, {"version": asset.version, "focal_point_x": "2", "focal_point_y": "0"})
    assert bad.status_code == 422 and "0 to 1" in bad.content.decode()

    rights = reverse("workbench-asset-right", args=[asset.uuid])
    wrong = client.post(rights, {"licence": "owned", "territories": "France", "channels": "nope"})
    assert wrong.status_code == 422
    assert "ISO 3166" in wrong.content.decode() and "Unknown channels" in wrong.content.decode()
    ok = client.post(
        rights,
        {
            "licence": "owned",
            "territories": "fr, de",
            "channels": "ecommerce",
            "valid_from": "2026-01-01",
            "valid_until": "2027-01-01",
        },
    )
    assert ok.status_code == 302
    right = asset.rights.get()
    assert right.territories == ["DE", "FR"] and right.valid_until.year == 2027

    versions = reverse("workbench-asset-version", args=[asset.uuid])
    new = client.post(versions, {"file": upload("v2.jpg", image_bytes(color=(9, 99, 9)))})
    assert new.status_code == 302
    same = client.post(versions, {"file": upload("v2.jpg", image_bytes(color=(9, 99, 9)))})
    assert same.status_code == 422 and "current version already" in same.content.decode()
    restore = reverse("workbench-asset-restore", args=[asset.uuid, 1])
    assert client.post(restore).status_code == 302
    asset.refresh_from_db()
    assert asset.current_version.number == 3 and asset.current_version.restored_from == 1


def test_detail_workflow_with_four_eyes(client, library, librarian):
    asset = library[0]
    url = reverse("workbench-asset-transition", args=[asset.uuid])
    client.post(
        reverse("workbench-asset-metadata", args=[asset.uuid]),
        {"version": asset.version, "alt_text-en_US": "Red"},
    )
    assert client.post(url, {"action": "submit"}).status_code == 302
    refused = client.post(url, {"action": "approve"})
    assert refused.status_code == 422 and "someone else must approve" in refused.content.decode()
    client.force_login(member(ASSET_LIBRARIAN, username="second"))
    assert client.post(url, {"action": "approve", "comment": "Fine"}).status_code == 302
    asset.refresh_from_db()
    assert asset.workflow_state == WorkflowState.APPROVED


def test_contributor_cannot_approve_and_hidden_assets_404(client, library):
    client.force_login(member(ASSET_CONTRIBUTOR))
    page = client.get(reverse("workbench-asset", args=[library[0].uuid]))
    assert page.status_code == 200 and 'value="approve"' not in page.content.decode()
    url = reverse("workbench-asset-transition", args=[library[0].uuid])
    assert client.post(url, {"action": "approve"}).status_code == 403
    missing = reverse("workbench-asset", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing).status_code == 404
    assert Asset.objects.count() == 3


def test_bulk_submit_and_tag_report_per_item(client, library, librarian):
    asset_update(asset=library[0], changes={"alt_text": {"en_US": "x"}})
    url = reverse("workbench-asset-bulk")
    chosen = [str(a.uuid) for a in library[:2]]
    tagged = client.post(url, {"operation": "tag", "value": "Summer", "asset": chosen})
    assert tagged.status_code == 200 and tagged.content.decode().count("done") == 2
    assert set(library[0].tags.values_list("name", flat=True)) >= {"summer"}
    UploadPreset.objects.create(code="needs_alt", alt_text_locales=["en_US"])
    submitted = client.post(url, {"operation": "submit", "asset": chosen})
    body = submitted.content.decode()
    assert "done" in body and "alt" in body.lower()  # one submitted, one refused with reasons
    states = dict(
        Asset.objects.filter(pk__in=[a.pk for a in library[:2]]).values_list(
            "code", "workflow_state"
        )
    )
    assert states == {
        library[0].code: WorkflowState.IN_REVIEW,
        library[1].code: WorkflowState.DRAFT,
    }
    empty = client.post(url, {"operation": "tag", "asset": chosen})
    assert empty.status_code == 422 and "Name the tag" in empty.content.decode()
