import pytest

from governance.models import Channel
from tests.governance.factories import ChannelFactory, CurrencyFactory, LocaleFactory

pytestmark = pytest.mark.django_db


def test_admin_adds_a_channel_through_the_service(admin_client):
    en = LocaleFactory(code="en_US")
    eur = CurrencyFactory(code="EUR")
    response = admin_client.post(
        "/admin/governance/channel/add/",
        {"code": "ecommerce", "label": "Web", "locales": [en.pk], "currencies": [eur.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get(code="ecommerce")
    assert [loc.code for loc in channel.locales.all()] == ["en_US"]


def test_admin_shows_the_service_error_inline_and_saves_nothing(admin_client):
    inactive = LocaleFactory(code="de_DE", is_active=False)
    response = admin_client.post(
        "/admin/governance/channel/add/", {"code": "print", "label": "", "locales": [inactive.pk]}
    )
    assert response.status_code == 200
    assert "de_DE is not active." in response.content.decode()
    assert not Channel.objects.exists()


def test_admin_cannot_change_a_code(admin_client):
    channel = ChannelFactory(code="mobile")
    page = admin_client.get(f"/admin/governance/channel/{channel.pk}/change/").content.decode()
    assert 'name="code"' not in page


def test_admin_lists_render(admin_client):
    ChannelFactory()
    for model in ("locale", "currency", "channel", "workerheartbeat"):
        assert admin_client.get(f"/admin/governance/{model}/").status_code == 200
