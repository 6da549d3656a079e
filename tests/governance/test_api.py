import pytest
from django.utils import timezone

from governance.models import Channel, Locale
from tests.governance.factories import ChannelFactory, CurrencyFactory, LocaleFactory, UserFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def test_locale_create_answers_201_with_the_resource(staff_client):
    response = staff_client.post("/api/v1/locales", {"code": "en_US", "label": "English"})
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "en_US"
    assert Locale.objects.filter(code="en_US", label="English").exists()


def test_locale_create_with_bad_code_answers_422_naming_the_field(staff_client):
    response = staff_client.post("/api/v1/locales", {"code": "english"})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:tessera:problem:validation-failed"
    assert body["errors"] == [
        {"field": "code", "code": "invalid_locale_code", "message": body["errors"][0]["message"]}
    ]
    assert not Locale.objects.exists()


def test_unknown_fields_are_refused_not_ignored(staff_client):
    response = staff_client.post("/api/v1/locales", {"code": "en_US", "lable": "typo"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["lable"]


def test_locale_patch_cannot_change_the_code(staff_client):
    LocaleFactory(code="en_US")
    response = staff_client.patch("/api/v1/locales/en_US", {"code": "en_GB"})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "code",
        "code": "read_only",
        "message": "This field cannot be changed.",
    }


def test_locale_patch_deactivates(staff_client):
    LocaleFactory(code="en_US")
    response = staff_client.patch("/api/v1/locales/en_US", {"is_active": False})
    assert response.status_code == 200
    assert response.json()["is_active"] is False


def test_locales_cannot_be_deleted(staff_client):
    LocaleFactory(code="en_US")
    assert staff_client.delete("/api/v1/locales/en_US").status_code == 405


def test_channel_crud_by_code(staff_client):
    LocaleFactory(code="en_US"), LocaleFactory(code="fr_FR"), CurrencyFactory(code="EUR")
    created = staff_client.post(
        "/api/v1/channels",
        {"code": "ecommerce", "label": "Web", "locales": ["en_US"], "currencies": ["EUR"]},
    )
    assert created.status_code == 201, created.json()
    assert created.json()["locales"] == ["en_US"]

    patched = staff_client.patch("/api/v1/channels/ecommerce", {"locales": ["fr_FR", "en_US"]})
    assert patched.status_code == 200
    assert sorted(patched.json()["locales"]) == ["en_US", "fr_FR"]
    assert patched.json()["currencies"] == ["EUR"]

    assert staff_client.get("/api/v1/channels/ecommerce").json()["label"] == "Web"
    assert staff_client.delete("/api/v1/channels/ecommerce").status_code == 204
    assert staff_client.get("/api/v1/channels/ecommerce").status_code == 404


def test_channel_errors_name_every_bad_code(staff_client):
    response = staff_client.post("/api/v1/channels", {"code": "web", "locales": ["xx_XX", "yy_YY"]})
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("locales", "unknown"),
        ("locales", "unknown"),
    ]
    assert "xx_XX" in response.json()["errors"][0]["message"]


def test_wrong_types_answer_422_not_500(staff_client):
    response = staff_client.post("/api/v1/channels", {"code": ["x"], "locales": "en_US"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"code", "locales"}


def test_body_that_is_not_an_object_answers_422(staff_client):
    response = staff_client.post("/api/v1/locales", [1, 2], format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] is None


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/v1/channels"), ("post", "/api/v1/channels"), ("get", "/api/v1/locales/en_US")],
)
def test_anonymous_requests_are_refused(api_client, method, url):
    response = getattr(api_client, method)(url, {}, format="json")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == "urn:tessera:problem:not-authenticated"


def test_reading_needs_only_a_login_but_writing_needs_the_permission(api_client):
    LocaleFactory(code="en_US")
    api_client.force_authenticate(UserFactory())
    assert api_client.get("/api/v1/locales").status_code == 200
    response = api_client.post("/api/v1/locales", {"code": "fr_FR"})
    assert response.status_code == 403
    assert response.json()["type"] == "urn:tessera:problem:permission-denied"
    assert not Locale.objects.filter(code="fr_FR").exists()


def test_channel_list_filters_by_locale_and_updated_since(staff_client):
    fr = LocaleFactory(code="fr_FR")
    ChannelFactory(code="web")
    ChannelFactory(code="print", locales=[fr])
    codes = [c["code"] for c in staff_client.get("/api/v1/channels?locale=fr_FR").json()["results"]]
    assert codes == ["print"]
    future = (timezone.now() + timezone.timedelta(minutes=1)).isoformat()
    response = staff_client.get("/api/v1/channels", {"updated_since": future})
    assert response.json()["results"] == []


def test_channel_list_pages_by_cursor_in_code_order(staff_client):
    for n in range(5):
        ChannelFactory(code=f"c{n}")
    first = staff_client.get("/api/v1/channels?page_size=2").json()
    assert [c["code"] for c in first["results"]] == ["c0", "c1"]
    second = staff_client.get(first["next"]).json()
    assert [c["code"] for c in second["results"]] == ["c2", "c3"]


@pytest.mark.parametrize("size", [5, 60])
def test_channel_list_query_count_does_not_grow_with_page_size(
    staff_client, size, django_assert_max_num_queries
):
    locales = [LocaleFactory(code=c) for c in ("en_US", "fr_FR", "de_DE")]
    for n in range(size):
        ChannelFactory(code=f"c{n:03}", locales=locales)
    # session/user are forced, so: channels + locales prefetch + currencies prefetch.
    with django_assert_max_num_queries(3):
        response = staff_client.get(f"/api/v1/channels?page_size={size}")
    assert len(response.json()["results"]) == size
    assert Channel.objects.count() == size
