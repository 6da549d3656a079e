"""Media import in the workbench: upload a ZIP or several files; the import runs as a job and
the page sends the user on to the job's page, where its progress and report show."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from dam.models import Collection
from dam.policies import granted_collection_ids
from linking.services import media_import


@login_required
@permission_required("dam.add_asset", raise_exception=True)
@require_http_methods(["GET", "POST"])
def media_import_page(request):
    errors, status = [], 200
    if request.method == "POST":
        try:
            job = media_import.media_import_start(
                files=request.FILES.getlist("file"),
                actor=request.user,
                collection=request.POST.get("collection") or None,
                collection_scope=granted_collection_ids(request.user),
            )
        except ValidationError as exc:
            errors, status = exc.messages, 422
        else:
            return redirect("workbench-job", job_id=job.pk)
    context = {
        "errors": errors,
        "collections": Collection.objects.order_by("code").only("code"),
        "chosen": request.POST.get("collection", ""),
        "max_files": media_import.MAX_FILES,
    }
    return render(request, "workbench/media_import/page.html", context, status=status)


urlpatterns = [
    path("assets/import/", media_import_page, name="workbench-media-import"),
]
