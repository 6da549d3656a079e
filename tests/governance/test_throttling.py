"""Each API key has its own request budget; over it, 429 with Retry-After as problem+json."""

import pytest
from rest_framework.test import APIClient

from governance.api_keys import api_key_create
from governance.throttling import PersonRateThrottle
from tests.governance.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_per_minute(settings):
    settings.TESSERA_THROTTLE_KEY = "2/min"


def client_for_new_key(name: str) -> APIClient:
    _, raw = api_key_create(name=name, scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.usefixtures("two_per_minute")
def test_a_key_over_its_budget_gets_429_with_retry_after():
    client = client_for_new_key("shop")
    assert [client.get("/api/v1/channels").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/channels")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert (body["status"], body["type"]) == (429, "urn:tessera:problem:throttled")


@pytest.mark.usefixtures("two_per_minute")
def test_each_key_has_its_own_budget():
    shop, erp = client_for_new_key("shop"), client_for_new_key("erp")
    assert [shop.get("/api/v1/channels").status_code for _ in range(3)] == [200, 200, 429]
    assert [erp.get("/api/v1/channels").status_code for _ in range(2)] == [200, 200]
    assert erp.get("/api/v1/channels").status_code == 429


@pytest.mark.usefixtures("two_per_minute")
def test_people_are_not_counted_against_the_key_budget(api_client):
    api_client.force_authenticate(UserFactory())
    assert {api_client.get("/api/v1/channels").status_code for _ in range(4)} == {200}


def test_people_keep_their_own_budget_and_keys_do_not_share_it(api_client, monkeypatch):
    # DRF read the rates once, at import: change the dict it holds.
    monkeypatch.setitem(PersonRateThrottle.THROTTLE_RATES, "user", "2/min")
    api_client.force_authenticate(UserFactory())
    assert [api_client.get("/api/v1/channels").status_code for _ in range(3)] == [200, 200, 429]
    # A key's principal has no user id: were keys counted per person, they would all share
    # one budget.
    for name in ("shop", "erp"):
        client = client_for_new_key(name)
        assert {client.get("/api/v1/channels").status_code for _ in range(3)} == {200}
