import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_schema_and_docs_need_a_login(client):
    # 401 with the Bearer challenge: API keys are the first authentication offered.
    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code == 401


def test_schema_describes_the_api(admin_client):
    response = admin_client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/channels/{code}" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/locales"]


def test_docs_load_their_assets_from_this_server(admin_client):
    page = admin_client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn." not in page


def test_api_root_lists_the_resources(admin_client):
    links = admin_client.get("/api/v1/").json()
    assert {
        "locales",
        "channels",
        "products",
        "assets",
        "rendition-profiles",
        "schema",
        "docs",
    } <= set(links)


def test_the_schema_generates_without_a_warning(tmp_path):
    """A view drf-spectacular cannot describe is a hole in the published API docs."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/products/{sku}" in (tmp_path / "schema.yaml").read_text()
