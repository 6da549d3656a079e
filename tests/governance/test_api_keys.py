"""API keys: how they are stored, who they act as, when they stop working, and that the API
treats them as what they are (read keys read, write keys write what their role allows)."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient, APIRequestFactory

from dam.models import Asset, AssetVersion
from governance import roles
from governance.api_keys import (
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    api_key_rotate,
    api_key_update,
)
from governance.audit import history
from governance.authentication import ApiKeyAuthentication, ApiKeyUser
from governance.models import ApiKey, ApiKeyScope, AuditAction, AuditRecord, Event, Vocabulary
from governance.services import vocabulary_create
from pim.models import Product
from tests.dam.conftest import image_bytes, upload
from tests.governance.factories import ChannelFactory
from tests.pim.builders import save, value
from tests.pim.conftest import catalog  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
KEY_PATTERN = re.compile(r"tsk_([a-z0-9]{10})_[A-Za-z0-9]{40}")


def make_key(scope=ApiKeyScope.READ, role=None, **kwargs):
    kwargs.setdefault("name", "shop sync")
    group = Group.objects.get(name=role) if role else None
    return api_key_create(scope=scope, role=group, **kwargs)


def client_for(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def codes(exc: ValidationError) -> dict:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


# --- storage -------------------------------------------------------------------------------


def test_the_database_holds_the_hash_and_prefix_never_the_key():
    key, raw = make_key()
    match = KEY_PATTERN.fullmatch(raw)
    assert match, raw
    assert key.prefix == match.group(1)
    assert key.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    secret = raw.rsplit("_", 1)[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM governance_apikey")
        stored = " ".join(str(column) for row in cursor.fetchall() for column in row)
    assert secret not in stored
    assert raw not in stored


def test_two_keys_never_share_a_prefix_or_a_secret():
    first, first_raw = make_key()
    second, second_raw = make_key()
    assert first.prefix != second.prefix
    assert first_raw.rsplit("_", 1)[1] != second_raw.rsplit("_", 1)[1]


def test_creation_is_audited_and_announced_without_the_secret(admin_user):
    key, raw = make_key(created_by=admin_user)
    [record] = history(key)
    assert record.action == AuditAction.CREATE
    assert record.changes["prefix"] == [None, key.prefix]
    assert "secret_hash" not in record.changes
    text = str(record.changes) + str(Event.objects.values_list("payload", flat=True)[::1])
    assert key.secret_hash not in text
    assert raw.rsplit("_", 1)[1] not in text
    event = Event.objects.get(name="governance.api_key.created")
    assert (event.object_type, event.object_ref) == ("governance.apikey", key.prefix)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"scope": "write"}, {"role": ["role_required"]}),
        ({"scope": "read", "role": roles.VIEWER}, {"role": ["role_not_allowed"]}),
        ({"scope": "admin"}, {"scope": ["invalid_choice"]}),
        ({"name": " "}, {"name": ["invalid"]}),
        (
            {"expires_at": timezone.now() - timedelta(minutes=1)},
            {"expires_at": ["expiry_in_past"]},
        ),
    ],
)
def test_create_refuses_broken_rules(kwargs, expected):
    with pytest.raises(ValidationError) as refused:
        make_key(**kwargs)
    assert codes(refused.value) == expected
    assert not ApiKey.objects.exists()


def test_update_changes_name_and_expiry_only():
    key, _ = make_key()
    later = timezone.now() + timedelta(days=30)
    api_key_update(key=key, changes={"name": "ERP", "expires_at": later})
    key.refresh_from_db()
    assert (key.name, key.expires_at) == ("ERP", later)
    assert [r.action for r in history(key)] == [AuditAction.UPDATE, AuditAction.CREATE]
    with pytest.raises(ValidationError) as refused:
        api_key_update(key=key, changes={"scope": "write"})
    assert codes(refused.value) == {"scope": ["read_only"]}


# --- who a key is --------------------------------------------------------------------------


def test_a_read_key_holds_the_viewer_permissions_only():
    key, _ = make_key()
    user = ApiKeyUser(key)
    assert user.get_all_permissions() == roles.ROLES[roles.VIEWER]
    assert user.has_perm("pim.view_product")
    assert not user.has_perm("pim.change_product")
    assert (user.is_authenticated, user.is_anonymous, user.is_active) == (True, False, True)
    assert (user.is_staff, user.is_superuser, user.pk, user.id) == (False, False, None, None)
    assert user.get_username() == f"key:{key.prefix}"


def test_a_write_key_holds_its_role_and_reads_everything(django_assert_num_queries):
    key, _ = make_key(scope="write", role=roles.PRODUCT_EDITOR)
    user = ApiKeyUser(key)
    with django_assert_num_queries(1):  # the role's permissions are read once per principal
        assert user.has_perms(["pim.add_product", "pim.change_product", "dam.view_asset"])
        assert not user.has_perm("pim.approve_product")
        assert not user.has_perm("governance.change_vocabulary")


def test_no_key_holds_the_permission_to_manage_keys():
    key, _ = make_key(scope="write", role=roles.ADMINISTRATOR)
    user = ApiKeyUser(key)
    assert user.has_perm("governance.change_channel")
    assert not user.has_perm("governance.add_apikey")
    assert not user.has_perm("governance.change_apikey")


def test_the_channel_restriction_is_on_the_principal():
    channel = ChannelFactory(code="ecommerce")
    key, raw = make_key(channel=channel)
    request = APIRequestFactory().get("/api/v1/channels", HTTP_AUTHORIZATION=f"Bearer {raw}")
    user, auth = ApiKeyAuthentication().authenticate(request)
    assert auth == key
    assert user.api_key.channel == channel
    assert user.api_key.channel.code == "ecommerce"


# --- authentication ------------------------------------------------------------------------


def test_authenticate_refuses_what_is_not_a_usable_key():
    key, raw = make_key()
    assert api_key_authenticate(raw) == key
    wrong_secret = raw[:-1] + ("a" if raw[-1] != "a" else "b")
    assert api_key_authenticate(wrong_secret) is None
    assert api_key_authenticate(f"tsk_{key.prefix}") is None
    assert api_key_authenticate("") is None


def test_last_use_is_recorded_at_most_once_a_minute():
    key, raw = make_key()
    assert key.last_used_at is None
    first = api_key_authenticate(raw).last_used_at
    assert first is not None
    assert api_key_authenticate(raw).last_used_at == first  # within the minute: no write
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    again = api_key_authenticate(raw)
    assert again.last_used_at > first - timedelta(minutes=2)
    key.refresh_from_db()
    assert key.last_used_at == again.last_used_at


def test_a_request_with_a_key_records_its_last_use():
    key, raw = make_key()
    assert client_for(raw).get("/api/v1/channels").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def problem_code(response) -> str:
    return response.json()["type"].rsplit(":", 1)[1]


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer  ", "Bearer a b", "Bearer not-a-key", "Bearer tsk__x", "bearer tsk_a"],
)
def test_a_malformed_authorization_header_answers_401(api_client, header):
    response = api_client.get("/api/v1/channels", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == "Bearer"
    assert problem_code(response) == "invalid-authorization-header"


def test_an_unknown_key_answers_401():
    response = client_for("tsk_abcdefghij_" + "x" * 40).get("/api/v1/channels")
    assert response.status_code == 401
    assert problem_code(response) == "unknown-key"


def test_an_expired_key_answers_401():
    key, raw = make_key(expires_at=timezone.now() + timedelta(hours=1))
    client = client_for(raw)
    assert client.get("/api/v1/channels").status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/channels")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert problem_code(response) == "key-expired"
    assert response.json()["detail"] == "This API key has expired."


def test_a_revoked_key_answers_401_and_revoking_again_changes_nothing():
    key, raw = make_key()
    client = client_for(raw)
    assert client.get("/api/v1/channels").status_code == 200
    api_key_revoke(key=key)
    response = client.get("/api/v1/channels")
    assert response.status_code == 401
    assert problem_code(response) == "key-revoked"
    revoked_at = ApiKey.objects.get(pk=key.pk).revoked_at
    api_key_revoke(key=key)
    assert ApiKey.objects.get(pk=key.pk).revoked_at == revoked_at
    assert Event.objects.filter(name="governance.api_key.revoked").count() == 1
    assert [r.action for r in history(key)] == [AuditAction.UPDATE, AuditAction.CREATE]


def test_without_credentials_the_api_answers_401_with_the_bearer_challenge(api_client):
    response = api_client.get("/api/v1/channels")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


# --- rotation ------------------------------------------------------------------------------


def test_rotation_keeps_both_keys_working_until_the_old_one_ends(monkeypatch):
    channel = ChannelFactory()
    expiry = timezone.now() + timedelta(days=90)
    old, old_raw = make_key(scope="write", role=roles.PRODUCT_EDITOR, channel=channel)
    api_key_update(key=old, changes={"expires_at": expiry})
    until = timezone.now() + timedelta(hours=1)
    new, new_raw = api_key_rotate(key=old, old_valid_until=until)
    assert new_raw != old_raw
    assert (new.scope, new.role, new.channel, new.expires_at) == (
        "write",
        old.role,
        channel,
        expiry,
    )
    assert new.rotated_from == old
    assert ApiKey.objects.get(pk=old.pk).expires_at == until
    assert client_for(old_raw).get("/api/v1/channels").status_code == 200
    assert client_for(new_raw).get("/api/v1/channels").status_code == 200

    later = until + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # the clock passes the old key's end
    assert client_for(old_raw).get("/api/v1/channels").status_code == 401
    assert client_for(new_raw).get("/api/v1/channels").status_code == 200
    assert Event.objects.filter(name="governance.api_key.rotated").count() == 1


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (timedelta(minutes=-1), {"old_valid_until": ["in_past"]}),
        (timedelta(days=2), {"old_valid_until": ["after_expiry"]}),
    ],
)
def test_rotation_refuses_a_bad_end_for_the_old_key(until, expected):
    key, _ = make_key(expires_at=timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        api_key_rotate(key=key, old_valid_until=timezone.now() + until)
    assert codes(refused.value) == expected
    assert ApiKey.objects.count() == 1


def test_a_key_is_rotated_once_and_a_revoked_key_not_at_all():
    key, _ = make_key()
    api_key_rotate(key=key, old_valid_until=timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationError) as refused:
        api_key_rotate(key=key, old_valid_until=timezone.now() + timedelta(hours=1))
    assert codes(refused.value) == {"__all__": ["already_rotated"]}
    revoked, _ = make_key()
    api_key_revoke(key=revoked)
    with pytest.raises(ValidationError) as refused:
        api_key_rotate(key=revoked, old_valid_until=timezone.now() + timedelta(hours=1))
    assert codes(refused.value) == {"__all__": ["not_usable"]}


# --- scope and role in the API -------------------------------------------------------------


WRITES = [
    ("post", "/api/v1/channels", {"code": "print", "locales": [], "currencies": []}),
    ("patch", "/api/v1/vocabularies/colors", {"labels": {}}),
    ("delete", "/api/v1/vocabularies/colors", None),
    ("post", "/api/v1/vocabularies", {"code": "sizes"}),
    ("post", "/api/v1/products", {"sku": "tee", "family": "shirts"}),
    ("patch", "/api/v1/products/tee", {"enabled": False}),
    ("delete", "/api/v1/products/tee", None),
    # A body the endpoint would refuse (422) is still a write: the key's scope answers first.
    ("post", "/api/v1/products/tee/transitions", {}),
    ("post", "/api/v1/change-requests", "not an object"),
]


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_a_read_key_reads_and_gets_403_on_every_write(method, url, body):
    vocabulary_create(code="colors")
    _, raw = make_key()
    client = client_for(raw)
    assert client.get("/api/v1/vocabularies/colors").status_code == 200
    assert client.get("/api/v1/products").status_code == 200
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == PROBLEM
    assert Vocabulary.objects.filter(code="colors").exists()


def test_a_write_key_writes_what_its_role_allows():
    vocabulary_create(code="colors")
    _, raw = make_key(scope="write", role=roles.METADATA_MANAGER)
    client = client_for(raw)
    response = client.patch("/api/v1/vocabularies/colors", {"labels": {}}, format="json")
    assert response.status_code == 200, response.json()
    assert client.post("/api/v1/channels", WRITES[0][2], format="json").status_code == 403
    assert client.post("/api/v1/products", WRITES[4][2], format="json").status_code == 403


@pytest.mark.usefixtures("catalog")
def test_product_writes_with_a_key_are_audited_to_the_key():
    save({"sku": "tee", "family": "shirts", "values": {"name": value("Tee", locale="en_US")}})
    key, raw = make_key(scope="write", role=roles.PRODUCT_EDITOR)
    client = client_for(raw)
    assert client.delete("/api/v1/products/tee").status_code == 403  # editors do not delete
    response = client.patch("/api/v1/products/tee", {"enabled": False}, format="json")
    assert response.status_code == 200, response.json()
    product = Product.objects.get(sku="tee")
    record = AuditRecord.objects.filter(object_id=product.pk, action=AuditAction.UPDATE).get()
    assert record.api_key == key
    assert record.actor_id is None
    assert record.actor_label == f"key:{key.prefix}"


def test_a_key_never_manages_keys():
    key, _ = make_key()
    _, admin_raw = make_key(scope="write", role=roles.ADMINISTRATOR)
    client = client_for(admin_raw)
    assert client.get("/api/v1/api-keys").status_code == 403
    assert client.post("/api/v1/api-keys", {"name": "x", "scope": "read"}).status_code == 403
    assert client.post(f"/api/v1/api-keys/{key.prefix}/revoke").status_code == 403
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_a_write_key_uploads_an_asset_stored_without_a_person():
    _, raw = make_key(scope="write", role=roles.ASSET_CONTRIBUTOR)
    response = client_for(raw).post(
        "/api/v1/assets", {"file": [upload("tee.jpg", image_bytes())]}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert AssetVersion.objects.get().uploaded_by is None


def test_a_contributor_key_edits_only_the_drafts_it_uploaded():
    """A key is no person: 'its own drafts' are the ones its audit record says it created,
    never every draft whose uploader is empty."""
    _, raw = make_key(scope="write", role=roles.ASSET_CONTRIBUTOR)
    _, other_raw = make_key(scope="write", role=roles.ASSET_CONTRIBUTOR)
    mine, other = client_for(raw), client_for(other_raw)
    response = mine.post(
        "/api/v1/assets", {"file": [upload("tee.jpg", image_bytes())]}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    url = f"/api/v1/assets/{Asset.objects.get().uuid}"
    assert mine.patch(url, {"credit": "Studio"}, format="json").status_code == 200
    refused = other.patch(url, {"credit": "Someone else"}, format="json")
    assert refused.status_code == 403, refused.json()
    assert Asset.objects.get().credit == "Studio"
