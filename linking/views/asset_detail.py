"""Asset detail: a large preview with a focal point picker, versions, renditions per profile,
the metadata editor (per-locale texts, version-checked), the rights editor, where it is used,
likely duplicates and workflow actions. Every write goes through dam's services or
governance's workflow; a refusal is shown next to its form, never as a 500."""

from datetime import UTC, date, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from dam import selectors as dam_selectors
from dam import services as dam_services
from dam.models import Asset, LicenceType, RenditionProfile
from dam.policies import asset_policy, granted_collection_ids
from dam.views import rendition_path
from governance import workflow
from governance.audit import current_user
from governance.models import Channel
from governance.selectors import locale_list
from governance.services import VersionConflict
from linking.selectors.links import where_used

TEXT_FIELDS = ("title", "alt_text")
CONFLICT = "Someone else changed this asset since you opened it: reload to see their changes."


def _asset_for(request, uuid) -> Asset:
    """The asset if the user may see it (404 otherwise)."""
    return get_object_or_404(
        asset_policy.visible(request.user, dam_selectors.asset_list()), uuid=uuid
    )


def _require(request, asset, action: str) -> None:
    if not asset_policy.allows(request.user, action, asset):
        raise PermissionDenied


def _preview(asset: Asset) -> dict:
    """What the large preview shows: a `preview` rendition (an mp4 one for video), or the
    original image when no preview profile exists."""
    version = asset.current_version
    if version is None:
        return {}
    profiles = {p.code: p for p in RenditionProfile.objects.all()}
    if asset.kind == "video":
        video = next((p for p in profiles.values() if p.format == "mp4"), None)
        return {"video": rendition_path(asset.uuid, video.code) if video else None}
    if "preview" in profiles and asset.kind in ("image", "document", "vector"):
        return {"image": rendition_path(asset.uuid, "preview")}
    if asset.kind == "image":
        return {"image": default_storage.url(version.file)}
    return {}


def _renditions(asset: Asset) -> list[dict]:
    """Each profile with the current version's rendition for it, if one was made."""
    made = {}
    if asset.current_version_id:
        made = {r.profile_id: r for r in asset.current_version.renditions.all()}
    return [
        {"profile": p, "rendition": made.get(p.pk), "url": rendition_path(asset.uuid, p.code)}
        for p in RenditionProfile.objects.order_by("code")
    ]


def _actions(request, asset: Asset) -> list[str]:
    state = asset.workflow_state
    return [
        name
        for name, move in workflow.TRANSITIONS.items()
        if state in move.sources and asset_policy.allows(request.user, name, asset)
    ]


def _page(request, asset: Asset, *, errors=None, status=200):
    """Render the page; `errors` maps a form name to its field errors (shown inline)."""
    locales = list(locale_list(active_only=True).order_by("code"))
    used = where_used(asset)
    duplicates = dam_selectors.near_duplicates(asset)
    seen = set(
        asset_policy.visible(
            request.user, Asset.objects.filter(pk__in=[a.pk for a, _ in duplicates])
        ).values_list("pk", flat=True)
    )
    context = {
        "asset": asset,
        "preview": {**_preview(asset), "alt": next(iter(asset.alt_text.values()), "")},
        "texts": [
            {
                "locale": locale.code,
                "title": asset.title.get(locale.code, ""),
                "alt_text": asset.alt_text.get(locale.code, ""),
            }
            for locale in locales
        ],
        "versions": dam_selectors.version_list(asset),
        "renditions": _renditions(asset),
        "rights": asset.rights.prefetch_related("channels").order_by("pk"),
        "licences": LicenceType.choices,
        "channels": Channel.objects.order_by("code"),
        "used": used,
        "duplicates": [(a, d) for a, d in duplicates if a.pk in seen],
        "can_change": asset_policy.allows(request.user, "change", asset),
        "actions": _actions(request, asset),
        "history": workflow.transitions_of(asset)[:10],
        "errors": errors or {},
    }
    return render(request, "workbench/asset_detail/detail.html", context, status=status)


def _done(request, asset: Asset, message: str):
    messages.success(request, message)
    return redirect("workbench-asset", uuid=asset.uuid)


def _field_errors(exc: ValidationError) -> dict:
    """Messages per field; errors of no field (and workflow refusals) under "form"."""
    if not hasattr(exc, "error_dict"):
        return {"form": exc.messages}
    found: dict = {}
    for field, errs in exc.error_dict.items():
        name = "form" if field == NON_FIELD_ERRORS else field
        found.setdefault(name, []).extend(m for e in errs for m in e.messages)
    return found


@login_required
def asset_detail(request, uuid):
    return _page(request, _asset_for(request, uuid))


def _update(request, asset: Asset, changes: dict, form: str, done: str):
    """asset_update with the version the form was rendered with: a stale one is a conflict."""
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        expected = None
    try:
        dam_services.asset_update(
            asset=asset,
            changes=changes,
            expected_version=expected,
            collection_scope=granted_collection_ids(request.user),
        )
    except VersionConflict:
        return _page(request, asset, errors={form: {"form": [CONFLICT]}}, status=409)
    except ValidationError as exc:
        return _page(request, asset, errors={form: _field_errors(exc)}, status=422)
    return _done(request, asset, done)


@login_required
@require_POST
def metadata_save(request, uuid):
    asset = _asset_for(request, uuid)
    _require(request, asset, "change")
    changes: dict = {}
    for field in TEXT_FIELDS:
        current = getattr(asset, field)
        patch = {}
        for locale in locale_list(active_only=True).values_list("code", flat=True):
            text = request.POST.get(f"{field}-{locale}")
            if text is None:
                continue
            text = text.strip()
            if text and text != current.get(locale):
                patch[locale] = text
            elif not text and locale in current:
                patch[locale] = None  # emptied: erase that locale's text
        if patch:
            changes[field] = patch
    return _update(request, asset, changes, "metadata", "Metadata saved.")


@login_required
@require_POST
def focal_point_save(request, uuid):
    asset = _asset_for(request, uuid)
    _require(request, asset, "change")
    try:
        x, y = (
            round(float(request.POST.get(n, "")), 4) for n in ("focal_point_x", "focal_point_y")
        )
    except ValueError:
        errors = {"focal": {"form": ["Give the focal point as two numbers from 0 to 1."]}}
        return _page(request, asset, errors=errors, status=422)
    changes = {"focal_point_x": x, "focal_point_y": y}
    return _update(request, asset, changes, "focal", "Focal point saved.")


def _moment(text: str):
    """A date from a date input, as the start of that day in UTC (None when empty)."""
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    except ValueError:
        return text  # the service reports it as an invalid date


@login_required
@require_POST
def right_save(request, uuid):
    asset = _asset_for(request, uuid)
    _require(request, asset, "change")
    post = request.POST
    territories = [t.strip().upper() for t in post.get("territories", "").split(",") if t.strip()]
    changes = {
        "licence": post.get("licence", ""),
        "territories": territories,
        "channels": post.getlist("channels"),
        "valid_from": _moment(post.get("valid_from", "")),
        "valid_until": _moment(post.get("valid_until", "")),
        "credit_line": post.get("credit_line", ""),
    }
    try:
        dam_services.usage_right_save(asset=asset, changes=changes)
    except ValidationError as exc:
        return _page(request, asset, errors={"rights": _field_errors(exc)}, status=422)
    return _done(request, asset, "Usage right added.")


@login_required
@require_POST
def right_delete(request, uuid, right_id):
    asset = _asset_for(request, uuid)
    _require(request, asset, "change")
    dam_services.usage_right_delete(right=get_object_or_404(asset.rights, pk=right_id))
    return _done(request, asset, "Usage right removed.")


@login_required
@require_POST
def version_upload(request, uuid):
    asset = _asset_for(request, uuid)
    _require(request, asset, "change")
    file = request.FILES.get("file")
    if file is None:
        return _page(request, asset, errors={"versions": {"file": ["Choose a file."]}}, status=422)
    try:
        dam_services.version_add(
            asset=asset,
            name=file.name,
            file=file,
            actor=current_user(),
            comment=request.POST.get("comment", ""),
        )
    except dam_services.UploadsRefused as exc:
        refused = [refusal.message for _, _, refusal in exc.refusals]
        return _page(request, asset, errors={"versions": {"file": refused}}, status=422)
    return _done(request, asset, "New version uploaded.")


@login_required
@require_POST
def version_restore(request, uuid, number):
    asset = _asset_for(request, uuid)
    _require(request, asset, "change")
    try:
        dam_services.version_restore(asset=asset, number=number, actor=current_user())
    except ValidationError as exc:
        return _page(request, asset, errors={"versions": _field_errors(exc)}, status=422)
    return _done(request, asset, f"Version {number} restored as the current version.")


@login_required
@require_POST
def asset_transition(request, uuid):
    asset = _asset_for(request, uuid)
    action = request.POST.get("action", "")
    if action not in workflow.TRANSITIONS or not asset_policy.allows(request.user, action, asset):
        raise PermissionDenied
    try:
        workflow.transition(obj=asset, action=action, comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        return _page(request, asset, errors={"workflow": _field_errors(exc)}, status=422)
    return _done(request, asset, f"Asset {workflow.TRANSITIONS[action].past}.")


urlpatterns = [
    path("assets/<uuid:uuid>/", asset_detail, name="workbench-asset"),
    path("assets/<uuid:uuid>/metadata/", metadata_save, name="workbench-asset-metadata"),
    path("assets/<uuid:uuid>/focal-point/", focal_point_save, name="workbench-asset-focal"),
    path("assets/<uuid:uuid>/rights/", right_save, name="workbench-asset-right"),
    path(
        "assets/<uuid:uuid>/rights/<int:right_id>/delete/",
        right_delete,
        name="workbench-asset-right-delete",
    ),
    path("assets/<uuid:uuid>/versions/", version_upload, name="workbench-asset-version"),
    path(
        "assets/<uuid:uuid>/versions/<int:number>/restore/",
        version_restore,
        name="workbench-asset-restore",
    ),
    path("assets/<uuid:uuid>/transition/", asset_transition, name="workbench-asset-transition"),
]
