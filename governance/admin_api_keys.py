"""Admin for API keys: created, renamed, rotated and revoked through the services. A new key is
shown once, in a message; its hash is never displayed."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance import api_keys
from governance.admin import dry_run
from governance.models import ApiKey

CREATE_FIELDS = ["name", "scope", "role", "channel", "expires_at"]
SHOWN_FIELDS = [
    "prefix",
    "scope",
    "role",
    "channel",
    "last_used_at",
    "revoked_at",
    "rotated_from",
    "created_by",
    "created_at",
]
# How long a key rotated from the admin keeps working when no time is given.
DEFAULT_ROTATION_GRACE = timedelta(hours=24)


class RotateActionForm(ActionForm):
    old_valid_until = forms.DateTimeField(
        required=False,
        label="Old key valid until",
        help_text="For “rotate”: empty = 24 hours from now (or the key's expiry, if sooner).",
    )


def _show_once(request, key: ApiKey, plaintext: str, verb: str) -> None:
    messages.success(
        request,
        f"{verb} {key}. Copy the key now, it is not shown again: {plaintext}",
    )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "name",
        "scope",
        "role",
        "channel",
        "expires_at",
        "last_used_at",
        "is_revoked",
    ]
    list_filter = ["scope", "role", "channel", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["role", "channel"]
    search_fields = ["name", "prefix"]
    actions = ["rotate", "revoke"]
    action_form = RotateActionForm

    @admin.display(boolean=True, description="revoked", ordering="revoked_at")
    def is_revoked(self, key) -> bool:
        return key.revoked_at is not None

    def get_fields(self, request, obj=None):
        if obj is None:
            return CREATE_FIELDS
        return ["name", "expires_at", *SHOWN_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return SHOWN_FIELDS if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # audit records name keys: revoke a key instead

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class Form(base):
            def _post_clean(self):
                super()._post_clean()
                if not self.errors:  # the service's own rules, shown on the form
                    error = dry_run(lambda: model_admin.service_save(self, created_by=None))
                    if error:
                        self.add_error(None, error)

        return Form

    def service_save(self, form, *, created_by) -> tuple[ApiKey, str | None]:
        data = form.cleaned_data
        if form.instance.pk is None:
            return api_keys.api_key_create(
                **{name: data.get(name) for name in CREATE_FIELDS}, created_by=created_by
            )
        existing = ApiKey.objects.get(pk=form.instance.pk)
        changes = {name: data[name] for name in ("name", "expires_at") if name in form.changed_data}
        return api_keys.api_key_update(key=existing, changes=changes), None

    def save_model(self, request, obj, form, change):
        key, plaintext = self.service_save(form, created_by=request.user)
        obj.pk, obj._state.adding = key.pk, False
        if plaintext is not None:
            _show_once(request, key, plaintext, "Created")

    @admin.action(description="Rotate the selected keys", permissions=["add", "change"])
    def rotate(self, request, queryset):
        until = request.POST.get("old_valid_until") or ""
        field = RotateActionForm.base_fields["old_valid_until"]
        try:
            chosen = field.clean(until)
        except ValidationError as exc:
            self.message_user(request, f"Old key valid until: {exc.messages[0]}", messages.ERROR)
            return
        for key in queryset:
            default = timezone.now() + DEFAULT_ROTATION_GRACE
            if key.expires_at is not None:
                default = min(default, key.expires_at)
            try:
                new, plaintext = api_keys.api_key_rotate(key=key, old_valid_until=chosen or default)
            except ValidationError as exc:
                self.message_user(request, f"{key}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            _show_once(request, new, plaintext, f"Rotated {key.prefix} into")

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for key in queryset:
            api_keys.api_key_revoke(key=key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)
