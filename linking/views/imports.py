"""Product imports in the workbench: upload a CSV/XLSX, map its columns (suggested by the
conventions or a saved profile; target, scope and value transforms per column), check it with a
dry run, watch the job's progress bar and report, then import the same file for real."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from governance.jobs import jobs_of, jobs_visible
from governance.models import Channel, Currency, JobState, Locale, Term
from linking.models import ImportKind, ImportProfile
from linking.services import import_profiles, imports
from linking.services.links import ROLES_VOCABULARY
from pim.models import AssociationType, Attribute

RECENT_JOBS = 20
# The transforms a column's form offers, in the order they are applied.
TEXT_TRANSFORMS = (("split", "separator"), ("unit", "unit"), ("date", "format"))


def _messages(error: ValidationError) -> list[str]:
    """A service's errors as sentences naming their field (the form has no field for them)."""
    if not hasattr(error, "error_dict"):
        return error.messages
    return [
        f"{field}: {message}" if field not in ("file", "__all__") else message
        for field, problems in error.message_dict.items()
        for message in problems
    ]


def _require_import(user, kind: str) -> None:
    if not imports.may_import(user, kind):
        raise PermissionDenied


def _kind(params) -> str:
    kind = params.get("kind") or ImportKind.PRODUCTS
    return kind if kind in imports.KINDS else ImportKind.PRODUCTS


@login_required
def import_start(request):
    """The upload form (and the person's recent imports); a POST stages the file and goes on to
    the mapping step."""
    kind = _kind(request.POST if request.method == "POST" else request.GET)
    _require_import(request.user, kind)
    error, status = "", 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError("Choose a CSV or XLSX file.")
            source = imports.import_source_stage(file=upload)
        except ValidationError as exc:
            error, status = " ".join(_messages(exc)), 422
        else:
            token = source.token(user=request.user)
            url = reverse("workbench-import-map", kwargs={"token": token})
            return redirect(f"{url}?kind={kind}")
    recent = jobs_of(request.user).filter(kind=imports.JOB_KIND)[:RECENT_JOBS]
    context = {"kinds": ImportKind.choices, "kind": kind, "error": error, "recent": recent}
    return render(request, "workbench/imports/start.html", context, status=status)


def _choices() -> dict:
    return {
        "targets": import_profiles.TARGETS,
        "attributes": list(Attribute.objects.order_by("code").values_list("code", flat=True)),
        "locales": list(
            Locale.objects.filter(is_active=True).order_by("code").values_list("code", flat=True)
        ),
        "channels": list(Channel.objects.order_by("code").values_list("code", flat=True)),
        "currencies": list(
            Currency.objects.filter(is_active=True).order_by("code").values_list("code", flat=True)
        ),
        "roles": list(
            Term.objects.filter(vocabulary__code=ROLES_VOCABULARY)
            .order_by("sort_order", "code")
            .values_list("code", flat=True)
        ),
        "associations": list(
            AssociationType.objects.order_by("code").values_list("code", flat=True)
        ),
    }


def _transforms_for_form(transforms) -> dict:
    """A column's transforms as the form's fields."""
    fields = {"trim": False, "split": "", "unit": "", "date": "", "term_label": ""}
    for transform in transforms:
        name = transform.get("name")
        if name == "trim":
            fields["trim"] = True
        elif name == "term_label":
            fields["term_label"] = transform.get("locale") or ""
        else:
            for form_name, key in TEXT_TRANSFORMS:
                if name == form_name:
                    fields[name] = transform.get(key) or ""
    return fields


def _mapping_from_post(post, header: list[str]) -> dict:
    """The mapping the form describes, one entry per source column."""
    columns = {}
    for index, column in enumerate(header):
        field = f"col-{index}-"
        spec = {"target": post.get(field + "target", "")}
        for key in import_profiles.SCOPE_KEYS:
            spec[key] = post.get(field + key) or None
        transforms = []
        if post.get(field + "trim"):
            transforms.append({"name": "trim"})
        for name, key in TEXT_TRANSFORMS:
            if post.get(field + name):
                transforms.append({"name": name, key: post[field + name]})
        if post.get(field + "term_label"):
            transforms.append({"name": "term_label", "locale": post[field + "term_label"]})
        spec["transforms"] = transforms
        columns[column] = spec
    return {"columns": columns}


def _rows_for_form(preview: dict) -> list[dict]:
    problems: dict[str, list[str]] = {}
    for problem in preview["header_errors"]:
        problems.setdefault(problem["column"], []).append(problem["message"])
    by_column = {column["column"]: column for column in preview["columns"]}
    rows = []
    for index, name in enumerate(preview["header"]):
        column = by_column.get(name) or {"column": name, "target": "ignore", "transforms": []}
        rows.append(
            {
                "index": index,
                "name": name,
                "samples": [row[index] for row in preview["rows"] if index < len(row)],
                "column": column,
                "transforms": _transforms_for_form(column.get("transforms") or ()),
                "problems": problems.get(name, []),
            }
        )
    return rows


def _mapping_page(request, source, kind, *, mapping=None, profile="", errors=(), status=200):
    # header_resolve reads any mapping: what does not fit comes back as the column's problem.
    preview = imports.import_preview(source=source, kind=kind, mapping=mapping)
    context = {
        "source": source,
        "kind": kind,
        "kind_label": ImportKind(kind).label,
        "preview": preview,
        "rows": _rows_for_form(preview),
        "general_problems": [
            p["message"] for p in preview["header_errors"] if p["column"] not in preview["header"]
        ],
        "profiles": ImportProfile.objects.filter(kind=kind).order_by("code"),
        "profile": profile,
        "errors": errors,
        "can_save_profile": request.user.has_perm("linking.add_importprofile"),
        **_choices(),
    }
    return render(request, "workbench/imports/mapping.html", context, status=status)


@login_required
def import_mapping(request, token: str):
    """The mapping step: GET shows it (`?profile=` prefills a saved mapping); POST `check`
    starts the dry run, `recheck` shows the page judged by the form's mapping, `save_profile`
    saves the mapping as a profile."""
    params = request.POST if request.method == "POST" else request.GET
    kind = _kind(params)
    _require_import(request.user, kind)
    try:
        source = imports.StagedSource.from_token(token, user=request.user)
    except ValidationError:
        raise Http404("Unknown or expired upload.") from None
    if request.method != "POST":
        code = request.GET.get("profile") or ""
        mapping = None
        if code:
            profile = ImportProfile.objects.filter(code=code, kind=kind).first()
            if profile is None:
                return _mapping_page(
                    request, source, kind, errors=[f"There is no profile {code!r}."], status=404
                )
            mapping = profile.mapping
        return _mapping_page(request, source, kind, mapping=mapping, profile=code)
    header = imports.import_preview(source=source, kind=kind)["header"]
    mapping = _mapping_from_post(request.POST, header)
    if request.POST.get("action") == "save_profile":
        return _profile_save(request, source, kind, mapping, token)
    if request.POST.get("action") == "recheck":  # the page again, judged by the form's mapping
        return _mapping_page(request, source, kind, mapping=mapping)
    create_terms = request.POST.get("create_terms") == "on"
    if create_terms and not imports.may_create_terms(request.user):
        raise PermissionDenied
    try:
        job = imports.product_import_start(
            source=source, kind=kind, mapping=mapping, dry_run=True, create_terms=create_terms
        )
    except ValidationError as exc:
        return _mapping_page(
            request, source, kind, mapping=mapping, errors=_messages(exc), status=422
        )
    return redirect("workbench-import-job", job_id=job.pk)


def _profile_save(request, source, kind, mapping, token):
    code = (request.POST.get("profile_code") or "").strip()
    existing = ImportProfile.objects.filter(code=code).first() if code else None
    needed = "linking.change_importprofile" if existing else "linking.add_importprofile"
    if not request.user.has_perm(needed):
        raise PermissionDenied
    changes = {"label": request.POST.get("profile_label", ""), "kind": kind, "mapping": mapping}
    try:
        import_profiles.import_profile_save(
            profile=existing, changes=changes if existing else {"code": code, **changes}
        )
    except ValidationError as exc:
        return _mapping_page(
            request, source, kind, mapping=mapping, errors=_messages(exc), status=422
        )
    messages.success(request, f"Profile {code} saved.")
    url = reverse("workbench-import-map", kwargs={"token": token})
    return redirect(f"{url}?kind={kind}&profile={code}")


def _job_context(request, job) -> dict:
    report = job.report or {}
    if job.state == JobState.SUCCEEDED:
        progress = 100
    else:
        progress = round(100 * job.processed / job.total) if job.total else None
    committed = None
    refusal = None
    if job.parameters.get("dry_run"):
        committed = imports.commit_of(job)
        refusal = imports.commit_refusal(job) if committed is None else None
    files = [{**entry, "index": index} for index, entry in enumerate(report.get("files") or [])]
    return {
        "job": job,
        "report": report,
        "counts": report.get("counts") or {},
        "progress": progress,
        "committed": committed,
        "can_commit": (
            job.parameters.get("dry_run")
            and committed is None
            and refusal is None
            and imports.may_import(request.user, job.parameters.get("kind"))
        ),
        "files": files,
    }


@login_required
def import_job(request, job_id: int):
    """An import job's page: progress (htmx polls its panel until it has finished) and report."""
    job = get_object_or_404(jobs_visible(request.user).filter(kind=imports.JOB_KIND), pk=job_id)
    context = _job_context(request, job)
    template = "workbench/imports/_job_panel.html" if request.htmx else "workbench/imports/job.html"
    return render(request, template, context)


@login_required
@require_POST
def import_commit(request, job_id: int):
    """Import for real what a finished dry run checked."""
    job = get_object_or_404(jobs_visible(request.user).filter(kind=imports.JOB_KIND), pk=job_id)
    _require_import(request.user, job.parameters.get("kind"))
    try:
        commit = imports.product_import_commit(job=job)
    except (imports.ImportConflict, ValidationError) as exc:
        text = " ".join(_messages(exc)) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return redirect("workbench-import-job", job_id=job.pk)
    return redirect("workbench-import-job", job_id=commit.pk)


urlpatterns = [
    path("imports/", import_start, name="workbench-imports"),
    path("imports/map/<str:token>/", import_mapping, name="workbench-import-map"),
    path("imports/jobs/<int:job_id>/", import_job, name="workbench-import-job"),
    path("imports/jobs/<int:job_id>/commit/", import_commit, name="workbench-import-commit"),
]
