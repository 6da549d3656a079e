import json

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import ErrorDetail

from config.problems import flatten_errors, handler500

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"code": "en_US",', "application/json"),  # cut short
        ("{'code': 'en_US'}", "application/json"),  # not JSON
        ("\xff\xfe\x00", "application/json"),  # not text
        ('{"code": NaN}', "application/json"),  # NaN is not JSON
    ],
)
def test_malformed_body_answers_problem_400(staff_client, body, content_type):
    response = staff_client.generic("POST", "/api/v1/locales", body, content_type=content_type)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "urn:tessera:problem:parse-error"
    assert problem["title"] == "Malformed request"
    assert problem["status"] == 400
    assert "JSON" in problem["detail"]
    assert problem["instance"] == "/api/v1/locales"
    assert problem["request_id"] == response["X-Request-ID"]


def test_unsupported_content_type_answers_415(staff_client):
    response = staff_client.generic(
        "POST", "/api/v1/locales", "code=en_US", content_type="text/plain"
    )
    assert response.status_code == 415
    assert response.json()["type"] == "urn:tessera:problem:unsupported-media-type"


def test_unknown_api_url_answers_problem_404(staff_client):
    response = staff_client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "No resource at /api/v1/nothing-here."


def test_unknown_object_answers_problem_404(staff_client):
    response = staff_client.get("/api/v1/channels/nope")
    assert response.status_code == 404
    assert response.json()["type"] == "urn:tessera:problem:not-found"


def test_wrong_method_answers_405(staff_client):
    response = staff_client.put("/api/v1/channels", {})
    assert response.status_code == 405
    assert response.json()["type"] == "urn:tessera:problem:method-not-allowed"


def test_unknown_page_outside_the_api_stays_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_server_error_on_the_api_is_problem_json_without_internals():
    request = RequestFactory().get("/api/v1/channels")
    response = handler500(request)
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert body["type"] == "urn:tessera:problem:internal-error"
    assert "Traceback" not in response.content.decode()


def test_flatten_errors_names_nested_paths():
    detail = {
        "values": {"weight": [ErrorDetail("Too heavy.", code="max_value")]},
        "items": [{}, {"sku": [ErrorDetail("Required.", code="required")]}],
        "non_field_errors": [ErrorDetail("Clash.", code="clash")],
    }
    assert flatten_errors(detail) == [
        {"field": "values.weight", "code": "max_value", "message": "Too heavy."},
        {"field": "items[1].sku", "code": "required", "message": "Required."},
        {"field": None, "code": "clash", "message": "Clash."},
    ]
