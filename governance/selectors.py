"""Reads of the shared language, with their related rows fetched up front."""

from django.db.models import QuerySet

from governance.models import Channel, Currency, Locale


def locale_list(*, active_only: bool = False) -> QuerySet[Locale]:
    locales = Locale.objects.all()
    return locales.filter(is_active=True) if active_only else locales


def currency_list() -> QuerySet[Currency]:
    return Currency.objects.all()


def channel_list() -> QuerySet[Channel]:
    return Channel.objects.prefetch_related("locales", "currencies")
