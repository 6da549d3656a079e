import pytest
from django.core.exceptions import ValidationError

from governance import services
from governance.models import Channel, Currency, Locale
from tests.governance.factories import ChannelFactory, CurrencyFactory, LocaleFactory

pytestmark = pytest.mark.django_db


def error_codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


@pytest.mark.parametrize("code", ["en_US", "fr_FR", "de", "zh_Hant_TW", "fil_PH"])
def test_locale_create_accepts_real_locale_codes(code):
    assert services.code_entry_create(model=Locale, code=code).code == code


@pytest.mark.parametrize("code", ["en-US", "EN_us", "english", "", "en_US;DROP", "e"])
def test_locale_create_rejects_malformed_codes(code):
    with pytest.raises(ValidationError) as exc:
        services.code_entry_create(model=Locale, code=code)
    assert "code" in exc.value.error_dict


def test_locale_codes_are_unique():
    services.code_entry_create(model=Locale, code="en_US")
    with pytest.raises(ValidationError) as exc:
        services.code_entry_create(model=Locale, code=" en_US ")
    assert error_codes(exc.value) == {"code": ["unique"]}


def test_locale_code_never_changes():
    locale = LocaleFactory(code="en_US")
    with pytest.raises(ValidationError) as exc:
        services.code_entry_update(entry=locale, changes={"code": "en_GB", "label": "x"})
    assert error_codes(exc.value) == {"code": ["read_only"]}
    locale.refresh_from_db()
    assert (locale.code, locale.label) == ("en_US", "Locale en_US")


@pytest.mark.parametrize("code", ["eur", "EURO", "E1R"])
def test_currency_create_rejects_non_iso_codes(code):
    with pytest.raises(ValidationError):
        services.code_entry_create(model=Currency, code=code)


def test_channel_create_links_locales_and_currencies_in_order_given():
    LocaleFactory(code="en_US"), LocaleFactory(code="fr_FR"), CurrencyFactory(code="EUR")
    channel = services.channel_create(
        code="ecommerce", label="Web", locales=["fr_FR", "en_US", "fr_FR"], currencies=["EUR"]
    )
    assert sorted(channel.locales.values_list("code", flat=True)) == ["en_US", "fr_FR"]
    assert list(channel.currencies.values_list("code", flat=True)) == ["EUR"]


def test_channel_create_reports_every_error_at_once_and_saves_nothing():
    LocaleFactory(code="de_DE", is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.channel_create(code="Bad Code", locales=["xx_XX", "de_DE"], currencies=["ZZZ"])
    assert error_codes(exc.value) == {
        "code": ["invalid_code"],
        "locales": ["unknown", "inactive"],
        "currencies": ["unknown"],
    }
    assert not Channel.objects.exists()


def test_channel_needs_a_locale():
    with pytest.raises(ValidationError) as exc:
        services.channel_create(code="print", locales=[])
    assert error_codes(exc.value) == {"locales": ["required"]}


def test_channel_update_replaces_lists_and_keeps_what_is_not_given():
    channel = ChannelFactory(code="mobile")
    LocaleFactory(code="fr_FR")
    services.channel_update(channel=channel, changes={"label": "App"}, locales=["fr_FR"])
    channel.refresh_from_db()
    assert channel.label == "App"
    assert list(channel.locales.values_list("code", flat=True)) == ["fr_FR"]
    assert list(channel.currencies.values_list("code", flat=True)) == ["EUR"]


def test_channel_update_failure_changes_nothing():
    channel = ChannelFactory(code="mobile", label="Before")
    with pytest.raises(ValidationError):
        services.channel_update(channel=channel, changes={"label": "After"}, locales=["xx_XX"])
    channel.refresh_from_db()
    assert channel.label == "Before"
    assert list(channel.locales.values_list("code", flat=True)) == ["en_US"]
