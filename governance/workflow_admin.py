"""Admin actions that move the selected objects through the workflow, reporting each one.

Any model registered with `governance.workflow` gets them with
`actions = workflow_admin.ACTIONS`; rejecting asks for the comment on an intermediate page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from governance import workflow


def _report(request, reports) -> None:
    for report in reports:
        if report.ok:
            state = report.obj.get_workflow_state_display().lower()
            messages.success(request, f"{report.obj}: now {state}.")
        else:
            # A value's path says where to look; the other messages say it themselves.
            reasons = "; ".join(
                f"{error['field']}: {error['message']}"
                if (error["field"] or "").startswith("values.")
                else error["message"]
                for error in report.errors
            )
            messages.error(request, f"{report.obj}: {reasons}")


def _apply(request, queryset, action: str, comment: str = "") -> None:
    try:
        reports = workflow.transition_many(objects=queryset, action=action, comment=comment)
    except ValidationError as exc:  # too many at once: nothing was moved
        messages.error(request, " ".join(exc.messages))
        return
    _report(request, reports)


@admin.action(description="Submit the selected items for review")
def submit_selected(modeladmin, request, queryset):
    _apply(request, queryset, "submit")


@admin.action(description="Approve the selected items")
def approve_selected(modeladmin, request, queryset):
    _apply(request, queryset, "approve")


@admin.action(description="Retire the selected items")
def retire_selected(modeladmin, request, queryset):
    _apply(request, queryset, "retire")


@admin.action(description="Reopen the selected retired items as drafts")
def reopen_selected(modeladmin, request, queryset):
    _apply(request, queryset, "reopen")


class RejectForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Why: the submitters are told.",
    )


@admin.action(description="Reject the selected items (asks why)")
def reject_selected(modeladmin, request, queryset):
    """First call shows a page asking for the comment; its submission comes back here."""
    form = RejectForm(request.POST if "comment" in request.POST else None)
    if form.is_bound and form.is_valid():
        _apply(request, queryset, "reject", form.cleaned_data["comment"])
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Reject: say why",
        "opts": modeladmin.model._meta,
        "form": form,
        "queryset": queryset,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/workflow_reject.html", context)


ACTIONS = [submit_selected, approve_selected, reject_selected, retire_selected, reopen_selected]
