"""Change requests in the admin: filed through the service (its errors shown on the form), never
edited; a Metadata Manager approves or rejects a selection, item by item."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from governance import change_requests
from governance.admin import ServiceAdmin
from governance.models import Category, ChangeRequest, ChangeRequestStatus, Vocabulary


class DecisionForm(ActionForm):
    comment = forms.CharField(
        required=False, label="Comment (required to reject)", widget=forms.TextInput
    )


def _form_errors(exc: ValidationError) -> ValidationError:
    """The service names payload fields ("payload.code"); the form has one payload field."""
    errors: dict = {}
    for field, field_errors in exc.error_dict.items():
        name, _, inner = field.partition(".")
        for error in field_errors:
            message = f"{inner}: {' '.join(error.messages)}" if inner else error
            errors.setdefault(name or NON_FIELD_ERRORS, []).append(message)
    return ValidationError(errors)


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ServiceAdmin):
    list_display = [
        "id",
        "kind",
        "vocabulary",
        "category_tree",
        "status",
        "requested_by",
        "created_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "kind", "vocabulary", "category_tree"]
    list_select_related = ["vocabulary", "category_tree", "requested_by", "decided_by"]
    fields = ["vocabulary", "category_tree", "kind", "payload", "reason"]
    readonly_fields = ["status", "requested_by", "decided_by", "decided_at", "decision_comment"]
    action_form = DecisionForm
    actions = ["approve", "reject"]

    def get_fields(self, request, obj=None):
        return [*self.fields, *self.readonly_fields] if obj else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [*self.fields, *self.readonly_fields] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "vocabulary":
            kwargs["queryset"] = Vocabulary.objects.filter(is_governed=True)
        if db_field.name == "category_tree":
            kwargs["queryset"] = Category.objects.filter(depth=1, is_governed=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False  # decided by the actions, never edited

    def has_delete_permission(self, request, obj=None):
        return False  # the record of a decision stays

    def has_approve_permission(self, request):
        return request.user.has_perm(change_requests.APPROVE_PERMISSION)

    def service_save(self, data, *, existing):
        try:
            return change_requests.change_request_submit(
                vocabulary=data.get("vocabulary"),
                category_tree=data.get("category_tree"),
                kind=data["kind"],
                payload=data["payload"],
                reason=data.get("reason", ""),
            )
        except ValidationError as exc:
            raise _form_errors(exc) from exc

    def _decide(self, request, queryset, decide, done: str) -> None:
        comment = request.POST.get("comment", "")
        for change_request in queryset.order_by("pk"):
            if change_request.status != ChangeRequestStatus.PENDING:
                messages.warning(request, f"#{change_request.pk}: {change_request.status} already.")
                continue
            try:
                decide(change_request=change_request, comment=comment)
            except (ValidationError, PermissionDenied) as exc:
                reasons = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                messages.error(request, f"#{change_request.pk} refused: {' '.join(reasons)}")
            else:
                messages.success(request, f"#{change_request.pk} {done}.")

    @admin.action(description="Approve and apply the selected requests", permissions=["approve"])
    def approve(self, request, queryset):
        self._decide(request, queryset, change_requests.change_request_approve, "applied")

    @admin.action(
        description="Reject the selected requests (comment required)", permissions=["approve"]
    )
    def reject(self, request, queryset):
        self._decide(request, queryset, change_requests.change_request_reject, "rejected")
