"""/api/v1/api-keys: administrators manage keys; the key itself is answered once."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from governance import roles
from governance.api_keys import api_key_create, api_key_rotate
from governance.audit import history
from governance.models import ApiKey, AuditAction
from tests.governance.factories import ChannelFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/api-keys"


@pytest.fixture
def admin_api(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def iso(delta: timedelta) -> str:
    return (timezone.now() + delta).isoformat()


def errors(response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    return sorted((e["field"], e["code"]) for e in response.json()["errors"])


def test_create_answers_the_key_once(admin_api, admin_user):
    ChannelFactory(code="ecommerce")
    response = admin_api.post(
        URL,
        {
            "name": "Shop",
            "scope": "write",
            "role": roles.PRODUCT_EDITOR,
            "channel": "ecommerce",
            "expires_at": iso(timedelta(days=30)),
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    key = ApiKey.objects.get(prefix=body["prefix"])
    assert body["key"].startswith(f"tsk_{key.prefix}_")
    assert hashlib.sha256(body["key"].encode()).hexdigest() == key.secret_hash
    assert (body["role"], body["channel"], body["status"]) == (
        roles.PRODUCT_EDITOR,
        "ecommerce",
        "active",
    )
    assert body["created_by"] == admin_user.username
    assert "secret_hash" not in body
    [record] = history(key)
    assert record.actor == admin_user

    listed = admin_api.get(URL).json()["results"]
    shown = admin_api.get(f"{URL}/{key.prefix}").json()
    for representation in (*listed, shown):
        assert "key" not in representation
        assert "secret_hash" not in representation
        assert key.secret_hash not in str(representation)
    assert shown["prefix"] == key.prefix


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "x", "scope": "write", "role": "Nobody"}, [("role", "does_not_exist")]),
        ({"name": "x", "scope": "write"}, [("role", "role_required")]),
        (
            {"name": "x", "scope": "read", "expires_at": "2000-01-01T00:00:00Z"},
            [("expires_at", "expiry_in_past")],
        ),
        ({"name": "x", "scope": "read", "channel": "nowhere"}, [("channel", "does_not_exist")]),
        ({"name": "x", "scope": "everything"}, [("scope", "invalid_choice")]),
        ({"scope": "read"}, [("name", "required")]),
        ({"name": "x", "scope": "read", "secret": "mine"}, [("secret", "unknown_field")]),
    ],
)
def test_bad_input_to_create_answers_422_with_field_errors(admin_api, body, expected):
    assert errors(admin_api.post(URL, body)) == expected
    assert not ApiKey.objects.exists()


def test_patch_renames_and_changes_the_expiry(admin_api):
    key, _ = api_key_create(name="Shop", scope="read")
    until = iso(timedelta(days=7))
    response = admin_api.patch(f"{URL}/{key.prefix}", {"name": "Shop EU", "expires_at": until})
    assert response.status_code == 200, response.json()
    key.refresh_from_db()
    assert key.name == "Shop EU"
    assert key.expires_at.isoformat() == until
    refused = admin_api.patch(f"{URL}/{key.prefix}", {"scope": "write"})
    assert errors(refused) == [("scope", "unknown_field")]
    past = admin_api.patch(f"{URL}/{key.prefix}", {"expires_at": iso(timedelta(hours=-1))})
    assert errors(past) == [("expires_at", "expiry_in_past")]


def test_rotate_answers_the_new_key_once_and_keeps_the_old_one_until_the_given_time(admin_api):
    key, old_raw = api_key_create(name="Shop", scope="read")
    until = iso(timedelta(hours=2))
    response = admin_api.post(f"{URL}/{key.prefix}/rotate", {"old_valid_until": until})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["rotated_from"] == key.prefix
    assert body["key"].startswith(f"tsk_{body['prefix']}_")
    old = admin_api.get(f"{URL}/{key.prefix}").json()
    for raw in (old_raw, body["key"]):
        with_key = APIClient().get("/api/v1/channels", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert with_key.status_code == 200
    assert (old["expires_at"], old["rotated_to"]) == (until.replace("+00:00", "Z"), body["prefix"])
    assert errors(
        admin_api.post(f"{URL}/{key.prefix}/rotate", {"old_valid_until": iso(timedelta(hours=1))})
    ) == [(None, "already_rotated")]
    assert errors(admin_api.post(f"{URL}/{body['prefix']}/rotate", {})) == [
        ("old_valid_until", "required")
    ]


def test_revoke_is_idempotent(admin_api):
    key, _ = api_key_create(name="Shop", scope="read")
    first = admin_api.post(f"{URL}/{key.prefix}/revoke")
    assert first.status_code == 200
    assert first.json()["status"] == "revoked"
    again = admin_api.post(f"{URL}/{key.prefix}/revoke")
    assert again.json()["revoked_at"] == first.json()["revoked_at"]
    assert [r.action for r in history(key)] == [AuditAction.UPDATE, AuditAction.CREATE]


def test_an_unknown_prefix_answers_404(admin_api):
    assert admin_api.get(f"{URL}/nosuchkey").status_code == 404
    assert admin_api.post(f"{URL}/nosuchkey/revoke").status_code == 404


@pytest.mark.parametrize(
    ("permissions", "status_code"),
    [([], 403), (["governance.view_apikey"], 200)],
)
def test_listing_keys_needs_the_view_permission(api_client, permissions, status_code):
    api_client.force_authenticate(UserFactory(permissions=permissions))
    assert api_client.get(URL).status_code == status_code


def test_managing_keys_needs_the_add_and_change_permissions(api_client):
    key, _ = api_key_create(name="Shop", scope="read")
    api_client.force_authenticate(UserFactory(permissions=["governance.view_apikey"]))
    assert api_client.post(URL, {"name": "x", "scope": "read"}).status_code == 403
    assert api_client.patch(f"{URL}/{key.prefix}", {"name": "y"}).status_code == 403
    assert api_client.post(f"{URL}/{key.prefix}/revoke").status_code == 403
    rotate = {"old_valid_until": iso(timedelta(hours=1))}
    assert api_client.post(f"{URL}/{key.prefix}/rotate", rotate).status_code == 403
    assert ApiKey.objects.count() == 1


def test_the_list_costs_the_same_whatever_its_size(admin_api, django_assert_max_num_queries):
    channel = ChannelFactory()
    for number in range(12):
        key, _ = api_key_create(
            name=f"key {number}", scope="read", channel=channel if number % 2 else None
        )
        if number % 3 == 0:
            api_key_rotate(key=key, old_valid_until=timezone.now() + timedelta(hours=1))
    with django_assert_max_num_queries(4):
        response = admin_api.get(URL)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 16
