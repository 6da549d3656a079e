from datetime import timedelta

import pytest
from django.utils import timezone

from dam.models import Asset
from dam.services import usage_right_save
from governance import services as governance
from tests.dam import media
from tests.dam.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(librarian, run_tasks_on_commit, tmp_path):
    governance.channel_create(code="ecommerce", locales=["en_US"])
    governance.channel_create(code="print", locales=["en_US"])
    files = {
        "wide.jpg": media.jpeg(tmp_path / "wide.jpg", size=(400, 200)),
        "tall.jpg": media.jpeg(tmp_path / "tall.jpg", size=(100, 300), variant=1),
        "logo.png": media.png_rgba(tmp_path / "logo.png"),
    }
    with run_tasks_on_commit(execute=True):
        for name, path in files.items():
            assert (
                librarian.post(
                    "/api/v1/assets",
                    {"file": [upload(name, path.read_bytes())]},
                    format="multipart",
                ).status_code
                == 201
            )
    assets = {a.code: a for a in Asset.objects.all()}
    usage_right_save(
        asset=assets["wide"], changes={"licence": "royalty_free", "channels": ["ecommerce"]}
    )
    usage_right_save(
        asset=assets["tall"],
        changes={"licence": "rights_managed", "valid_until": timezone.now() + timedelta(days=5)},
    )
    usage_right_save(asset=assets["logo"], changes={"licence": "editorial_only"})
    librarian.patch(
        f"/api/v1/assets/{assets['wide'].uuid}",
        {"title": {"en_US": "Summer campaign hero"}},
        format="json",
    )
    return librarian


def codes(client, query):
    response = client.get(f"/api/v1/assets?{query}")
    assert response.status_code == 200, response.json()
    return sorted(a["code"] for a in response.json()["results"])


def test_asset_filters(library):
    assert codes(library, "orientation=portrait") == ["tall"]
    assert codes(library, "min_width=300") == ["wide"]
    assert codes(library, "max_height=100&kind=image") == ["logo"]
    assert codes(library, "rights_valid_on=ecommerce") == ["tall", "wide"]
    assert codes(library, "rights_valid_on=print") == ["tall"]
    soon = (timezone.now() + timedelta(days=30)).isoformat().replace("+", "%2B")
    assert codes(library, f"rights_expiring_before={soon}") == ["tall"]
    assert codes(library, "q=campaign") == ["wide"]
    assert codes(library, "q=logo.png") == ["logo"]
    assert codes(library, "mime=image/png") == ["logo"]


@pytest.mark.parametrize(
    "query", ["min_width=wide", "created_since=yesterday", "rights_expiring_before=2026-01-01"]
)
def test_bad_filters_are_named(library, query):
    response = library.get(f"/api/v1/assets?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == query.split("=")[0]
