"""Media configuration: requirements, placeholders and channel policies through the API and the
admin (both call the same services: every rejection is a 422 naming the field), audited."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import roles
from governance.audit import history
from governance.models import Channel
from linking.models import ChannelMediaPolicy, FallbackMedia, MediaRequirement
from pim.models import Family
from tests.governance.factories import UserFactory
from tests.linking.feed_helpers import build_feed_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(linked_catalog):
    return build_feed_world(linked_catalog)


def person(role: str):
    user = UserFactory(username=role.lower().replace(" ", "_"))
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def manager(api_client, world):
    api_client.force_authenticate(person(roles.METADATA_MANAGER))
    return api_client


@pytest.fixture
def librarian(api_client, world):
    api_client.force_authenticate(person(roles.ASSET_LIBRARIAN))
    return api_client


def errors(response) -> dict[str, str]:
    return {error["field"]: error["code"] for error in response.json()["errors"]}


def test_a_metadata_manager_keeps_the_media_requirements(manager):
    created = manager.post(
        "/api/v1/media-requirements",
        {"family": "shirts", "channel": "print", "role": "back", "minimum": 2},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json() | {"id": 0} == {
        "id": 0,
        "family": "shirts",
        "channel": "print",
        "role": "back",
        "minimum": 2,
    }
    url = f"/api/v1/media-requirements/{created.json()['id']}"
    assert manager.patch(url, {"minimum": 3}, format="json").json()["minimum"] == 3
    requirement = MediaRequirement.objects.get(pk=created.json()["id"])
    assert [r.action for r in history(requirement)] == ["update", "create"]
    listed = manager.get("/api/v1/media-requirements?channel=print").json()["results"]
    assert [row["role"] for row in listed] == ["back"]
    assert manager.delete(url).status_code == 204
    assert not MediaRequirement.objects.filter(channel__code="print").exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {"family": "required", "channel": "required", "role": "required"}),
        (
            {"family": "boats", "channel": "moon", "role": "cover", "minimum": 0},
            {
                "family": "unknown",
                "channel": "unknown",
                "role": "unknown_role",
                "minimum": "invalid",
            },
        ),
        ({"family": "shirts", "channel": "ecommerce", "role": "hero"}, {"role": "duplicate"}),
        (
            {"family": "shirts", "channel": "print", "role": "back", "colour": 1},
            {"colour": "unknown_field"},
        ),
    ],
)
def test_requirements_are_validated(manager, body, expected):
    response = manager.post("/api/v1/media-requirements", body, format="json")
    assert response.status_code == 422
    assert errors(response) == expected


def test_requirement_lists_cost_the_same_queries_at_3_and_30_rows(manager):
    media_roles = ["front", "back", "side", "detail", "lifestyle", "swatch", "packshot", "video"]
    combinations = [
        (family, channel, role)
        for family in Family.objects.all()
        for channel in Channel.objects.all()
        for role in media_roles
    ]
    manager.get("/api/v1/media-requirements")  # the user's permissions, loaded once
    counts = []
    for count in (3, 30):
        MediaRequirement.objects.all().delete()
        MediaRequirement.objects.bulk_create(
            MediaRequirement(family=family, channel=channel, role=role)
            for family, channel, role in combinations[:count]
        )
        with CaptureQueriesContext(connection) as queries:
            response = manager.get("/api/v1/media-requirements?page_size=50")
        assert len(response.json()["results"]) == count
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_an_asset_librarian_keeps_the_placeholders(librarian, world):
    lifestyle = world.asset("lifestyle")
    body = {"channel": "ecommerce", "role": "hero", "asset": str(lifestyle.uuid)}
    created = librarian.post("/api/v1/fallback-media", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["asset"] == str(lifestyle.uuid)
    again = librarian.post("/api/v1/fallback-media", body, format="json")
    assert errors(again) == {"role": "duplicate"}
    url = f"/api/v1/fallback-media/{created.json()['id']}"
    assert librarian.patch(url, {"role": "back"}, format="json").json()["role"] == "back"
    assert librarian.delete(url).status_code == 204
    assert not FallbackMedia.objects.exists()


def test_a_placeholder_is_an_image(librarian, world, tmp_path):
    import io

    from dam.services import assets_ingest
    from tests.dam.media import pdf

    with open(pdf(tmp_path / "manual.pdf"), "rb") as file:
        [ingested] = assets_ingest(uploads=[("manual.pdf", io.BytesIO(file.read()))])
    body = {"channel": "ecommerce", "role": "hero", "asset": str(ingested.asset.uuid)}
    response = librarian.post("/api/v1/fallback-media", body, format="json")
    assert response.status_code == 422 and errors(response) == {"asset": "not_image"}
    unknown = librarian.post("/api/v1/fallback-media", {**body, "asset": "nope"}, format="json")
    assert errors(unknown) == {"asset": "unknown"}


def test_a_placeholder_in_use_keeps_its_asset(librarian, world, api_client):
    hero = world.asset("hero")
    FallbackMedia.objects.create(channel=world.ecommerce, role="hero", asset=hero)
    api_client.force_authenticate(UserFactory(is_superuser=True, username="root"))
    response = api_client.delete(f"/api/v1/assets/{hero.uuid}")
    assert response.status_code == 409


def test_the_channel_media_policy(manager):
    url = "/api/v1/channels/ecommerce/media-policy"
    assert manager.get(url).json() == {
        "channel": "ecommerce",
        "counts_towards_completeness": False,
        "gates_approval": False,
    }
    response = manager.put(url, {"gates_approval": True}, format="json")
    assert response.json()["gates_approval"] is True
    policy = ChannelMediaPolicy.objects.get(channel__code="ecommerce")
    assert policy.gates_approval and not policy.counts_towards_completeness
    invalid = manager.put(url, {"gates_approval": "yes", "colour": 1}, format="json")
    assert errors(invalid) == {"gates_approval": "invalid", "colour": "unknown_field"}
    assert manager.get("/api/v1/channels/nowhere/media-policy").status_code == 404
    assert [r.action for r in history(policy)] == ["create"]


def test_a_viewer_reads_but_does_not_change_the_configuration(api_client, world):
    api_client.force_authenticate(person(roles.VIEWER))
    assert api_client.get("/api/v1/media-requirements").status_code == 200
    assert (
        api_client.put("/api/v1/channels/ecommerce/media-policy", {}, format="json").status_code
        == 403
    )


# ------------------------------------------------------------------------------ admin


def test_the_admin_saves_requirements_through_the_service(admin_client, world):
    shirts, ecommerce = Family.objects.get(code="shirts"), world.ecommerce
    refused = admin_client.post(
        "/admin/linking/mediarequirement/add/",
        {"family": shirts.pk, "channel": ecommerce.pk, "role": "cover", "minimum": 1},
    )
    assert refused.status_code == 200 and "Unknown media role" in refused.content.decode()
    saved = admin_client.post(
        "/admin/linking/mediarequirement/add/",
        {"family": shirts.pk, "channel": ecommerce.pk, "role": "back", "minimum": 1},
    )
    assert saved.status_code == 302
    assert history(MediaRequirement.objects.get(role="back")).exists()


def test_the_admin_warns_about_a_placeholder_not_yet_approved(admin_client, world):
    response = admin_client.post(
        "/admin/linking/fallbackmedia/add/",
        {"channel": world.ecommerce.pk, "role": "hero", "asset": world.asset("back").pk},
        follow=True,
    )
    assert "is not approved yet" in response.content.decode()
    assert FallbackMedia.objects.count() == 1


def test_the_admin_lists_the_computed_rows_read_only(admin_client, world):
    for model in ("mediareadiness", "channeldocument", "channelmediapolicy"):
        assert admin_client.get(f"/admin/linking/{model}/").status_code == 200
    assert admin_client.get("/admin/linking/channeldocument/add/").status_code == 403
