"""Admin: webhook subscriptions, registered, changed, rotated and deleted through the services
(the same URL check, audit and secret handling as the API; a new secret is shown once, in a
message), and the delivery log, read-only, with manual redelivery."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from governance.admin import dry_run
from governance.admin_audit import AuditHistoryMixin
from linking.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from linking.services import webhooks as services

CREATE_FIELDS = ["url", "description", "event_types", "channel"]
CHANGE_FIELDS = [*CREATE_FIELDS, "is_active"]
SHOWN_FIELDS = [
    "uuid",
    "disabled_reason",
    "disabled_at",
    "consecutive_failures",
    "failing_since",
    "previous_secret_expires_at",
    "created_by",
    "created_at",
    "updated_at",
]


class WebhookForm(forms.ModelForm):
    url = forms.CharField(max_length=2000, help_text="https://…, resolving to public addresses.")
    event_types = forms.JSONField(
        required=False,
        initial=list,
        help_text='A JSON list: ["pim.product.approved", "channel.product.*"]; empty: every event.',
    )

    class Meta:
        model = WebhookSubscription
        fields = CHANGE_FIELDS


def _show_once(request, subscription, secret: str, verb: str) -> None:
    messages.success(
        request, f"{verb} {subscription}. Copy the secret now, it is not shown again: {secret}"
    )


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(AuditHistoryMixin, admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "channel", "is_active", "consecutive_failures", "created_at"]
    list_filter = ["is_active", "channel"]
    list_select_related = ["channel"]
    search_fields = ["url", "description"]
    actions = ["rotate_secret"]

    def get_fields(self, request, obj=None):
        return CREATE_FIELDS if obj is None else [*CHANGE_FIELDS, *SHOWN_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return SHOWN_FIELDS if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class Form(base):
            def _post_clean(self):
                super()._post_clean()
                if not self.errors:  # the service's own rules, shown on the form
                    error = dry_run(lambda: model_admin.service_save(self, actor=None))
                    if error:
                        self.add_error(None, error)

        return Form

    def service_save(self, form, *, actor):
        data = {name: form.cleaned_data.get(name) for name in form.fields}
        data["event_types"] = data.get("event_types") or []
        data["description"] = data.get("description") or ""
        if form.instance.pk is None:
            return services.webhook_create(
                **{name: data[name] for name in CREATE_FIELDS}, actor=actor
            )
        existing = WebhookSubscription.objects.get(pk=form.instance.pk)
        changes = {name: data[name] for name in CHANGE_FIELDS if name in form.changed_data}
        return services.webhook_update(subscription=existing, changes=changes), None

    def save_model(self, request, obj, form, change):
        subscription, secret = self.service_save(form, actor=request.user)
        obj.pk, obj._state.adding = subscription.pk, False
        if secret is not None:
            _show_once(request, subscription, secret, "Registered")

    def delete_model(self, request, obj):
        services.webhook_delete(subscription=obj)

    def delete_queryset(self, request, queryset):
        for subscription in queryset:
            services.webhook_delete(subscription=subscription)

    @admin.action(description="Rotate the secret of the selected endpoints", permissions=["change"])
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            subscription, secret = services.webhook_rotate_secret(subscription=subscription)
            _show_once(request, subscription, secret, "Rotated the secret of")


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "attempted_at", "status_code", "response_ms", "error", "response_excerpt"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only; "redeliver" sends a delivery again with its webhook-id."""

    list_display = ["message_id", "subscription", "state", "attempts", "last_status_code"]
    list_filter = ["state"]
    list_select_related = ["subscription"]
    search_fields = ["message_id", "subscription__url"]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the log is the endpoint's history: it goes with the endpoint only

    def has_redeliver_permission(self, request):
        return request.user.has_perm("linking.change_webhooksubscription")

    @admin.action(description="Redeliver the selected deliveries now", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        for delivery in queryset:
            try:
                services.webhook_redeliver(delivery=delivery)
            except ValidationError as exc:
                self.message_user(request, f"{delivery}: {' '.join(exc.messages)}", messages.ERROR)
                continue
        self.message_user(request, "Queued the redelivery.", messages.SUCCESS)
