"""Exports in the workbench: choose a channel, its locales and a format (or the whole catalog),
start the job and follow it on the job page; the scheduled exports are listed below."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path

from governance.models import Channel
from governance.policies import channel_visible, granted_category_paths
from linking.models import ExportFormat, ScheduledExport
from linking.services import exports


def _channels(user):
    return channel_visible(user, Channel.objects.prefetch_related("locales")).order_by("code")


def _page(request, *, errors=None, chosen=None, status=200):
    channels = _channels(request.user)
    schedules = ScheduledExport.objects.select_related("channel", "last_job").filter(
        channel__in=channels
    )
    context = {
        "channels": channels,
        "formats": ExportFormat.values,
        "catalog_formats": exports.FORMATS["catalog"],
        "may_export_catalog": granted_category_paths(request.user) is None,
        "schedules": schedules if request.user.has_perm("linking.view_scheduledexport") else None,
        "may_manage_schedules": request.user.has_perm("linking.change_scheduledexport"),
        "errors": errors or {},
        "chosen": chosen or {"kind": "channel", "format": ExportFormat.CSV, "locales": []},
    }
    return render(request, "workbench/exports/page.html", context, status=status)


@login_required
def exports_page(request):
    """The export form (GET) or its submission (POST: the job's page, or the form with its
    errors, 422)."""
    if not request.user.has_perm("pim.view_product"):
        raise PermissionDenied
    if request.method != "POST":
        return _page(request)
    chosen = {
        "kind": request.POST.get("kind") or "channel",
        "channel": request.POST.get("channel") or None,
        "locales": request.POST.getlist("locales"),
        "format": request.POST.get("format") or ExportFormat.CSV,
    }
    if chosen["kind"] == "catalog":
        if granted_category_paths(request.user) is not None:
            raise PermissionDenied
        options = {"kind": "catalog", "format": chosen["format"]}
    else:
        channel = chosen["channel"]
        if channel and not _channels(request.user).filter(code=channel).exists():
            chosen["channel"] = channel = None  # not one of theirs: as if none were chosen
        options = {
            "kind": "channel",
            "channel": channel,
            "locales": chosen["locales"] or None,
            "format": chosen["format"],
        }
    try:
        job = exports.export_start(**options)
    except ValidationError as exc:
        errors = {
            name: [m for e in problems for m in e] for name, problems in exc.error_dict.items()
        }
        return _page(request, errors=errors, chosen=chosen, status=422)
    return redirect("workbench-job", job_id=job.pk)


urlpatterns = [path("exports/", exports_page, name="workbench-exports")]
