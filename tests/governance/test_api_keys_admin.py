"""The API key admin: created through the service, shown once, revoked and rotated by actions."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from governance import roles
from governance.api_keys import api_key_create
from governance.audit import history
from governance.models import ApiKey

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/governance/apikey/"
SHOWN_KEY = re.compile(r"tsk_[a-z0-9]+_[A-Za-z0-9]+")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_adding_a_key_shows_it_once(admin_client, admin_user):
    role = Group.objects.get(name=roles.PRODUCT_EDITOR)
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {"name": "Shop", "scope": "write", "role": role.pk, "channel": "", "expires_at": ""},
        follow=True,
    )
    assert response.status_code == 200
    [shown] = [SHOWN_KEY.search(m).group(0) for m in messages_of(response) if SHOWN_KEY.search(m)]
    key = ApiKey.objects.get()
    assert hashlib.sha256(shown.encode()).hexdigest() == key.secret_hash
    assert (key.scope, key.role, key.created_by) == ("write", role, admin_user)
    [record] = history(key)
    assert record.actor == admin_user

    change_page = admin_client.get(f"{CHANGELIST}{key.pk}/change/").content.decode()
    listing = admin_client.get(CHANGELIST).content.decode()
    for page in (change_page, listing):
        assert key.secret_hash not in page
        assert shown not in page
    assert key.prefix in listing


def test_the_service_refusal_shows_on_the_form(admin_client):
    response = admin_client.post(
        f"{CHANGELIST}add/", {"name": "Shop", "scope": "write", "role": "", "expires_at": ""}
    )
    assert response.status_code == 200
    assert "A write key needs a role" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_the_revoke_action_revokes(admin_client):
    key, _ = api_key_create(name="Shop", scope="read")
    response = admin_client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [key.pk]}, follow=True
    )
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_the_rotate_action_shows_the_new_key_once(admin_client):
    key, _ = api_key_create(name="Shop", scope="read")
    until = timezone.now() + timedelta(hours=3)
    response = admin_client.post(
        CHANGELIST,
        {
            "action": "rotate",
            "_selected_action": [key.pk],
            "old_valid_until": until.strftime("%Y-%m-%d %H:%M:%S"),
        },
        follow=True,
    )
    new = ApiKey.objects.get(rotated_from=key)
    [shown] = [SHOWN_KEY.search(m).group(0) for m in messages_of(response) if SHOWN_KEY.search(m)]
    assert hashlib.sha256(shown.encode()).hexdigest() == new.secret_hash
    key.refresh_from_db()
    assert abs(key.expires_at - until) < timedelta(seconds=1)


def test_keys_cannot_be_deleted_in_the_admin(admin_client):
    key, _ = api_key_create(name="Shop", scope="read")
    assert admin_client.get(f"{CHANGELIST}{key.pk}/delete/").status_code == 403
    assert ApiKey.objects.filter(pk=key.pk).exists()
