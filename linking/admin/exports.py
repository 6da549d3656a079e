"""Admin: scheduled channel exports, saved through the export services (the same checks of
channel, locales and format as the API), and an action that runs the selected ones now."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from governance.admin import CodeFrozenAdmin
from linking.models import ScheduledExport
from linking.services import exports


class ScheduledExportForm(forms.ModelForm):
    locales = forms.JSONField(
        required=False,
        initial=list,
        help_text='A JSON list of the channel\'s locales, e.g. ["en_US", "fr_FR"]; empty: all.',
    )

    class Meta:
        model = ScheduledExport
        fields = ["code", "channel", "locales", "format", "interval_minutes", "is_active"]


@admin.register(ScheduledExport)
class ScheduledExportAdmin(CodeFrozenAdmin):
    form = ScheduledExportForm
    list_display = [
        "code", "channel", "format", "interval_minutes", "is_active", "next_run_at", "last_job",
    ]  # fmt: skip
    list_filter = ["is_active", "format", "channel"]
    list_select_related = ["channel", "last_job"]
    search_fields = ["code"]
    fields = [
        "code", "channel", "locales", "format", "interval_minutes", "is_active", "next_run_at",
        "last_job", "created_by",
    ]  # fmt: skip
    actions = ["run_now"]

    def get_readonly_fields(self, request, obj=None):
        shown = ["next_run_at", "last_job", "created_by"]
        return ["code", *shown] if obj else shown

    def service_save(self, data, *, existing):
        changes = {name: data[name] for name in exports.SCHEDULE_FIELDS if name in data}
        changes["channel"] = data["channel"].code if data.get("channel") else None
        changes["locales"] = data.get("locales") or []
        if existing is not None:
            changes.pop("code", None)  # read-only once saved
        return exports.scheduled_export_save(schedule=existing, changes=changes)

    def service_delete(self, obj):
        exports.scheduled_export_delete(schedule=obj)

    @admin.action(description="Export now", permissions=["change"])
    def run_now(self, request, queryset):
        """Start the selected schedules' exports at once, as the person asking (their schedule's
        rhythm is left as it is)."""
        for schedule in queryset.select_related("channel"):
            try:
                job = exports.export_start(
                    channel=schedule.channel.code,
                    locales=schedule.locales or None,
                    format=schedule.format,
                    schedule=schedule.code,
                )
            except ValidationError as exc:
                self.message_user(request, f"{schedule}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            url = reverse("workbench-job", kwargs={"job_id": job.pk})
            self.message_user(
                request,
                f"{schedule}: export job {job.pk} started; follow it at {url}.",
                messages.SUCCESS,
            )
