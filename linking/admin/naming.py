"""Admin: naming rules, saved through the naming services (their pattern errors show inline),
and an action that starts a relink job with the selected rules."""

from django.contrib import admin, messages
from django.urls import reverse

from dam.policies import granted_collection_ids
from governance.admin import CodeFrozenAdmin
from linking.models import NamingRule
from linking.services import naming, relink


@admin.register(NamingRule)
class NamingRuleAdmin(CodeFrozenAdmin):
    list_display = ["code", "pattern", "priority", "default_role", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "pattern", "description"]
    ordering = ["priority", "code"]
    fields = ["code", "pattern", "default_role", "priority", "is_active", "description"]
    actions = ["relink_assets"]

    def service_save(self, data, *, existing):
        changes = {name: data[name] for name in naming.FIELDS if name in data}
        if existing is not None:
            changes.pop("code", None)  # read-only once saved
        return naming.naming_rule_save(rule=existing, changes=changes)

    def service_delete(self, obj):
        naming.naming_rule_delete(rule=obj)

    @admin.action(description="Relink assets by naming rules", permissions=["change"])
    def relink_assets(self, request, queryset):
        """Apply the selected active rules to the assets without links, in the background."""
        codes = sorted(queryset.filter(is_active=True).values_list("code", flat=True))
        if not codes:
            self.message_user(request, "Select at least one active rule.", messages.WARNING)
            return
        job = relink.relink_start(
            rules=codes, collection_scope=granted_collection_ids(request.user)
        )
        self.message_user(
            request,
            f"Relink job {job.pk} started with {', '.join(codes)} over the assets without links; "
            f"follow it at {reverse('job-detail', kwargs={'pk': job.pk})}.",
            messages.SUCCESS,
        )
