import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from governance.models import Category, Channel, Currency, Locale, Term, Vocabulary


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


class VocabularyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vocabulary
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"vocabulary_{n}")


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    vocabulary = factory.SubFactory(VocabularyFactory)
    code = factory.Sequence(lambda n: f"term_{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    """CategoryFactory(parent=other) adds a child; without a parent it starts a new tree."""

    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"category_{n}")
    parent = None

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        node = model_class(*args, **kwargs)
        if parent is None:
            return model_class.objects.add_root(instance=node)
        return model_class.objects.add_child(parent, instance=node)
