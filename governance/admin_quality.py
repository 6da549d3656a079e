"""Quality runs and findings in the admin: read-only; "Add" starts a run, CSV exports are safe."""

from django import forms
from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.html import format_html

from governance import quality
from governance.models import QualityFinding, QualityRun


def _csv_response(findings, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        quality.quality_findings_csv(findings=findings), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class QualityRunForm(forms.ModelForm):
    """Starting a run: which checks (none ticked: all of them)."""

    checks = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to run every check.",
    )

    class Meta:
        model = QualityRun
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checks"].choices = [
            (check.code, f"{check.label} ({check.code})") for check in quality.quality_checks()
        ]


@admin.register(QualityRun)
class QualityRunAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "started_at", "finished_at", "triggered_by", "findings"]
    list_filter = ["status"]
    list_select_related = ["triggered_by"]
    readonly_fields = [
        "status",
        "checks",
        "counts",
        "findings",
        "error",
        "triggered_by",
        "started_at",
        "finished_at",
    ]
    actions = ["run_again", "export_findings"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = QualityRunForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["checks"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    @admin.display(description="findings")
    def findings(self, run):
        url = reverse("admin:governance_qualityfinding_changelist") + f"?run__id__exact={run.pk}"
        per_check = ", ".join(f"{code}: {count}" for code, count in sorted(run.counts.items()))
        return format_html('<a href="{}">{}</a> {}', url, sum(run.counts.values()), per_check)

    def save_model(self, request, obj, form, change):
        run = quality.quality_run_start(
            checks=form.cleaned_data["checks"] or None, triggered_by=request.user
        )
        obj.pk, obj._state.adding = run.pk, False

    def save_related(self, request, form, formsets, change):
        pass  # the service made the run

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Run these runs' checks again now", permissions=["add"])
    def run_again(self, request, queryset):
        for run in queryset:
            quality.quality_run_start(checks=run.checks, triggered_by=request.user)
        messages.info(request, f"Started {queryset.count()} run(s).")

    @admin.action(description="Export the findings as CSV", permissions=["view"])
    def export_findings(self, request, queryset):
        findings = QualityFinding.objects.filter(run__in=queryset)
        return _csv_response(findings, "quality-findings.csv")


@admin.register(QualityFinding)
class QualityFindingAdmin(admin.ModelAdmin):
    list_display = ["run", "check_code", "severity", "object_type", "object_ref", "message"]
    list_filter = ["check_code", "severity", "object_type", "run"]
    list_select_related = ["run"]
    search_fields = ["object_ref", "message"]
    actions = ["export"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Export as CSV", permissions=["view"])
    def export(self, request, queryset):
        return _csv_response(queryset, "quality-findings.csv")
