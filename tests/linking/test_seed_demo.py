import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from governance.models import Channel, Currency, Locale

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_demo_catalog_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # safe to run again
    assert set(Channel.objects.values_list("code", flat=True)) == {"ecommerce", "mobile", "print"}
    assert Locale.objects.count() == 3
    assert Currency.objects.count() == 3
    assert Channel.objects.get(code="ecommerce").locales.count() == 3
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("tessera-admin")


def test_seed_demo_refuses_to_plant_known_passwords_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="known passwords"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
