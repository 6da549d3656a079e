"""Background jobs in the workbench: start a relink from the asset library and watch any job's
progress update without reloading (htmx polls the job's panel until it has finished)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from dam.policies import granted_collection_ids
from governance.jobs import job_file, job_file_url, jobs_visible
from linking.services import relink

REPORT_ROWS = 20  # of each list a job's report holds, shown on the page


@login_required
def job_detail(request, job_id: int):
    job = get_object_or_404(jobs_visible(request.user), pk=job_id)
    report = job.report or {}
    lists = {
        name: rows[:REPORT_ROWS]
        for name, rows in report.items()
        if name != "files" and isinstance(rows, list) and rows and isinstance(rows[0], dict)
    }
    counts = report.get("counts") or {
        name: value for name, value in report.items() if isinstance(value, int)
    }
    progress = round(100 * job.processed / job.total) if job.total else None
    files = [entry.get("label") or "File" for entry in report.get("files") or []]
    context = {
        "job": job,
        "counts": counts,
        "lists": lists,
        "progress": progress,
        "files": files,
    }
    template = "workbench/jobs/_panel.html" if request.htmx else "workbench/jobs/detail.html"
    return render(request, template, context)


@login_required
def job_file_download(request, job_id: int, index: int):
    """A file the job's report lists, through a short-lived signed link."""
    job = get_object_or_404(jobs_visible(request.user), pk=job_id)
    entry = job_file(job=job, index=index)
    if entry is None:
        raise Http404("This job has no such file.")
    return redirect(job_file_url(entry=entry))


@login_required
@require_POST
def relink_begin(request):
    """Start a relink over the library (the starter's collections) from the asset library."""
    if not request.user.has_perm("linking.change_namingrule"):
        raise PermissionDenied
    try:
        job = relink.relink_start(
            only_unlinked=request.POST.get("only_unlinked") == "on",
            dry_run=request.POST.get("dry_run") == "on",
            collection_scope=granted_collection_ids(request.user),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("workbench-assets")
    return redirect("workbench-job", job_id=job.pk)


urlpatterns = [
    path("jobs/<int:job_id>/", job_detail, name="workbench-job"),
    path("jobs/<int:job_id>/files/<int:index>/", job_file_download, name="workbench-job-file"),
    path("assets/relink/", relink_begin, name="workbench-relink"),
]
