import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from governance.models import Channel, Currency, Locale


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-word-1234")

    @factory.post_generation
    def permissions(self, create, codenames, **kwargs):
        """UserFactory(permissions=["governance.add_channel"])"""
        for name in codenames or []:
            app_label, codename = name.split(".")
            self.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class LocaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locale
        django_get_or_create = ["code"]

    code = factory.Iterator(["en_US", "fr_FR", "de_DE", "it_IT", "es_ES", "nl_NL", "ja_JP"])
    label = factory.LazyAttribute(lambda o: f"Locale {o.code}")


class CurrencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Currency
        django_get_or_create = ["code"]

    code = factory.Iterator(["EUR", "USD", "GBP", "JPY", "CHF"])


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"channel_{n}")
    label = factory.LazyAttribute(lambda o: o.code.replace("_", " ").title())

    @factory.post_generation
    def locales(self, create, extracted, **kwargs):
        self.locales.set(extracted if extracted is not None else [LocaleFactory(code="en_US")])

    @factory.post_generation
    def currencies(self, create, extracted, **kwargs):
        self.currencies.set(extracted if extracted is not None else [CurrencyFactory(code="EUR")])
