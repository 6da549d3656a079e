"""Admin for the shared language. Saves go through the services, like every other entry point."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction

from governance import services
from governance.models import Channel, Currency, Locale, WorkerHeartbeat


class _DryRun(Exception):
    pass


class ServiceAdmin(admin.ModelAdmin):
    """Saves call `service_save`; the form first runs it in a rolled-back transaction so the
    service's own errors show inline on the form instead of failing the save."""

    def service_save(self, data: dict, *, existing):
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class Form(base):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    with transaction.atomic():
                        model_admin.service_save(
                            self.cleaned_data, existing=model_admin._existing(self)
                        )
                        raise _DryRun
                except _DryRun:
                    pass
                except ValidationError as exc:
                    self.add_error(None, exc)

        return Form

    def _existing(self, form):
        return self.model.objects.get(pk=form.instance.pk) if form.instance.pk else None

    def save_model(self, request, obj, form, change):
        saved = self.service_save(form.cleaned_data, existing=self._existing(form))
        obj.pk, obj._state.adding = saved.pk, False

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # relations of the object itself were set by the service
            self.save_formset(request, form, formset, change=change)


class CodeFrozenAdmin(ServiceAdmin):
    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []  # codes are identifiers: they never change


@admin.register(Locale, Currency)
class CodeEntryAdmin(CodeFrozenAdmin):
    list_display = ["code", "label", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "label"]

    def service_save(self, data, *, existing):
        fields = {"label": data["label"], "is_active": data["is_active"]}
        if existing:
            return services.code_entry_update(entry=existing, changes=fields)
        return services.code_entry_create(model=self.model, code=data["code"], **fields)


@admin.register(Channel)
class ChannelAdmin(CodeFrozenAdmin):
    list_display = ["code", "label", "updated_at"]
    search_fields = ["code", "label"]
    filter_horizontal = ["locales", "currencies"]

    def service_save(self, data, *, existing):
        locales = [locale.code for locale in data["locales"]]
        currencies = [currency.code for currency in data["currencies"]]
        if existing:
            return services.channel_update(
                channel=existing,
                changes={"label": data["label"]},
                locales=locales,
                currencies=currencies,
            )
        return services.channel_create(
            code=data["code"], label=data["label"], locales=locales, currencies=currencies
        )


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "seen_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
