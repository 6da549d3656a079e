from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from governance.models import Category, Channel, Currency, Locale, Term, Vocabulary


class UtcIsoDateTimeField(IsoDateTimeField):
    """As UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts (±23:59)."""

    def to_python(self, value):
        moment = super().to_python(value)
        try:
            return moment.astimezone(UTC) if moment is not None else None
        except OverflowError:  # out of range once in UTC: not a valid value
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """`updated_since` lets integrations sync incrementally."""

    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")


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
