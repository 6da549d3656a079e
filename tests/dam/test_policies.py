"""Asset scopes: collection grants (with child collections), Contributors' own drafts, 404 for
what is out of scope, constant queries on scoped lists."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dam import services
from dam.models import Asset, Collection
from dam.policies import asset_policy
from dam.services_access import collection_grant, collection_revoke
from governance import roles
from governance.models import WorkflowState
from tests.dam.conftest import image_bytes, upload
from tests.governance.factories import UserFactory

pytestmark = pytest.mark.django_db


def member(role: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


def ingest(code_hint: int, collection, actor):
    [result] = services.assets_ingest(
        uploads=[
            (
                f"a{code_hint}.jpg",
                upload(f"a{code_hint}.jpg", image_bytes(size=(40 + code_hint, 30))),
            )
        ],
        collection=collection,
        actor=actor,
    )
    return result.asset


@pytest.fixture
def library():
    """spring > spring_shoes, and autumn; an asset in each, one in none; uploaded by `alice`."""
    spring = Collection.objects.create(code="spring")
    shoes = Collection.objects.create(code="spring_shoes", parent=spring)
    autumn = Collection.objects.create(code="autumn")
    alice = member(roles.ASSET_CONTRIBUTOR, "alice")
    assets = {
        "spring": ingest(1, spring, alice),
        "shoes": ingest(2, shoes, alice),
        "autumn": ingest(3, autumn, alice),
        "loose": ingest(4, None, alice),
    }
    return {"c_spring": spring, "c_shoes": shoes, "c_autumn": autumn, "alice": alice, **assets}


def codes(user, library):
    names = {library[k].pk: k for k in ("spring", "shoes", "autumn", "loose")}
    return sorted(
        names[pk]
        for pk in asset_policy.visible(user, Asset.objects.all()).values_list("pk", flat=True)
    )


def test_unscoped_users_see_every_asset(library):
    assert codes(member(roles.VIEWER, "v"), library) == ["autumn", "loose", "shoes", "spring"]


def test_a_collection_grant_includes_its_child_collections(library):
    librarian = member(roles.ASSET_LIBRARIAN, "lib")
    collection_grant(collection=library["c_spring"], user=librarian)
    assert codes(librarian, library) == ["shoes", "spring"]
    assert asset_policy.allows(librarian, "approve", library["shoes"])
    assert not asset_policy.allows(librarian, "approve", library["autumn"])


def test_a_group_grant_and_its_revocation(library):
    librarian = member(roles.ASSET_LIBRARIAN, "lib")
    team = Group.objects.create(name="Autumn team")
    librarian.groups.add(team)
    collection_grant(collection=library["c_autumn"], group=team)
    assert codes(librarian, library) == ["autumn"]
    collection_revoke(collection=library["c_autumn"], group=team)
    librarian = type(librarian).objects.get(pk=librarian.pk)
    assert codes(librarian, library) == ["autumn", "loose", "shoes", "spring"]


def test_contributors_change_only_their_own_drafts(library):
    alice, bob = library["alice"], member(roles.ASSET_CONTRIBUTOR, "bob")
    asset = library["spring"]
    assert asset_policy.allows(alice, "change", asset)
    assert asset_policy.allows(alice, "submit", asset)
    assert not asset_policy.allows(bob, "change", asset)  # not his upload
    assert not asset_policy.allows(alice, "approve", asset)  # the role cannot approve
    Asset.objects.filter(pk=asset.pk).update(workflow_state=WorkflowState.IN_REVIEW)
    asset.refresh_from_db()
    assert not asset_policy.allows(alice, "change", asset)  # no longer a draft
    librarian = member(roles.ASSET_LIBRARIAN, "lib")
    assert asset_policy.allows(librarian, "change", asset)  # librarians are not bound to drafts


def test_api_answers_404_outside_the_scope_and_403_on_anothers_draft(library, api_client):
    alice, bob = library["alice"], member(roles.ASSET_CONTRIBUTOR, "bob")
    collection_grant(collection=library["c_spring"], user=bob)
    api_client.force_authenticate(bob)
    listed = {a["uuid"] for a in api_client.get("/api/v1/assets").json()["results"]}
    assert listed == {str(library["spring"].uuid), str(library["shoes"].uuid)}
    autumn = library["autumn"]
    assert api_client.get(f"/api/v1/assets/{autumn.uuid}").status_code == 404
    assert api_client.get(f"/api/v1/assets/{autumn.uuid}/versions").status_code == 404
    assert api_client.get(f"/api/v1/assets/{autumn.uuid}/rights").status_code == 404
    assert api_client.get(f"/api/v1/assets/{autumn.uuid}/renditions").status_code == 404
    assert api_client.get(f"/api/v1/assets/{autumn.uuid}/duplicates").status_code == 404
    spring = library["spring"]
    response = api_client.patch(f"/api/v1/assets/{spring.uuid}", {"credit": "Bob"}, format="json")
    assert response.status_code == 403  # visible, but alice's draft
    api_client.force_authenticate(alice)
    response = api_client.patch(f"/api/v1/assets/{spring.uuid}", {"credit": "Alice"}, format="json")
    assert response.status_code == 200


def test_upload_into_a_collection_outside_the_scope_is_refused(library, api_client):
    bob = member(roles.ASSET_CONTRIBUTOR, "bob")
    collection_grant(collection=library["c_spring"], user=bob)
    api_client.force_authenticate(bob)
    data = {"file": upload("new.jpg", image_bytes(size=(300, 20))), "collection": "autumn"}
    response = api_client.post("/api/v1/assets", data, format="multipart")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "collection"


def test_scoped_asset_list_query_count_is_constant(
    library, api_client, django_assert_max_num_queries
):
    librarian = member(roles.ASSET_LIBRARIAN, "lib")
    collection_grant(collection=library["c_spring"], user=librarian)
    api_client.force_authenticate(librarian)
    api_client.get("/api/v1/assets")  # permissions and scope, cached on the user object
    counts = []
    for extra in range(2):
        if extra:
            for n in range(10):
                ingest(100 + n, library["c_shoes"], librarian)
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get("/api/v1/assets?page_size=50")
        counts.append(len(queries))
    assert len(response.json()["results"]) == 12
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(12):
        api_client.get("/api/v1/assets?page_size=50")


def test_admin_asset_changelist_follows_the_scope(library, client):
    librarian = member(roles.ASSET_LIBRARIAN, "lib")
    librarian.is_staff = True
    librarian.save()
    collection_grant(collection=library["c_autumn"], user=librarian)
    client.force_login(librarian)
    page = client.get("/admin/dam/asset/")
    assert [a.pk for a in page.context["cl"].result_list] == [library["autumn"].pk]
    hidden = client.get(f"/admin/dam/asset/{library['spring'].pk}/change/")
    assert hidden.status_code == 302


def test_uploading_the_bytes_of_a_hidden_asset_does_not_reveal_it(library, api_client):
    bob = member(roles.ASSET_CONTRIBUTOR, "bob")
    collection_grant(collection=library["c_spring"], user=bob)
    api_client.force_authenticate(bob)
    same_bytes = upload("copy.jpg", image_bytes(size=(43, 30)))  # the autumn asset's picture
    data = {"file": same_bytes, "collection": "spring"}
    response = api_client.post("/api/v1/assets", data, format="multipart")
    assert response.status_code == 200, response.json()
    [item] = response.json()["results"]
    assert item["duplicate"] is True and item["asset"] is None
    assert str(library["autumn"].uuid) not in response.content.decode()


def test_a_scoped_librarian_moves_assets_only_between_their_collections(library, api_client):
    librarian = member(roles.ASSET_LIBRARIAN, "lena")
    collection_grant(collection=library["c_spring"], user=librarian)
    api_client.force_authenticate(librarian)
    url = f"/api/v1/assets/{library['spring'].uuid}"
    for target in ("autumn", None):  # another team's collection, or none (it would vanish)
        refused = api_client.patch(url, {"collection": target}, format="json")
        assert refused.status_code == 422, refused.json()
        assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
            ("collection", "out_of_scope")
        ]
    moved = api_client.patch(url, {"collection": "spring_shoes"}, format="json")
    assert moved.status_code == 200, moved.json()
    assert Asset.objects.get(pk=library["spring"].pk).collection.code == "spring_shoes"
    unfiled = api_client.post(
        "/api/v1/assets", {"file": upload("n.jpg", image_bytes(size=(77, 20)))}, format="multipart"
    )
    assert unfiled.status_code == 422  # a scoped upload names one of their collections
