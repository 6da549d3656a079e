import django_filters

from governance.models import Category, Channel, Currency, Locale, Term, Vocabulary


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """`updated_since` lets integrations sync incrementally."""

    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")


class LocaleFilterSet(UpdatedSinceFilterSet):
    class Meta:
        model = Locale
        fields = ["is_active"]


class CurrencyFilterSet(LocaleFilterSet):
    class Meta(LocaleFilterSet.Meta):
        model = Currency


class ChannelFilterSet(UpdatedSinceFilterSet):
    locale = django_filters.CharFilter(field_name="locales__code", distinct=True)

    class Meta:
        model = Channel
        fields = ["locale"]


class VocabularyFilterSet(UpdatedSinceFilterSet):
    class Meta:
        model = Vocabulary
        fields = []


class TermFilterSet(UpdatedSinceFilterSet):
    class Meta:
        model = Term
        fields = ["is_deprecated"]


class CategoryFilterSet(UpdatedSinceFilterSet):
    """`tree` and `parent` narrow the selector itself (see CategoryViewSet.get_queryset)."""

    class Meta:
        model = Category
        fields = []
