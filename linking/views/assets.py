"""Asset library: a thumbnail grid or list with search and facets (the API's filters), keyset
paging, and a drag-and-drop upload that sends one request per file so each file gets its own
progress bar and its own answer (created, duplicate of an existing asset, or refused)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from dam import selectors as dam_selectors
from dam import services as dam_services
from dam.models import Asset, AssetKind, Collection, LicenceType, TagSource, UsageRight
from dam.policies import asset_policy, granted_collection_ids
from dam.views import rendition_path
from governance import workflow
from governance.audit import current_user
from governance.models import WorkflowState
from linking.api.link_media import PREVIEW_KINDS, thumbnail_profile

PAGE_SIZE = 48
BULK_LIMIT = PAGE_SIZE  # a bulk action works on what one page shows
# Facets passed straight to `dam.selectors.asset_filter`, as the API names them.
API_FACETS = ("q", "kind", "collection", "tag", "orientation", "rights_valid_on")


def _facets(queryset, params):
    """The API's filters, then the workbench's own: state, rights status, duplicates."""
    queryset = dam_selectors.asset_filter(
        queryset, {name: params[name] for name in API_FACETS if params.get(name)}
    )
    if params.get("state"):
        queryset = queryset.filter(workflow_state=params["state"])
    rights = UsageRight.objects.filter(asset=OuterRef("pk"))
    if params.get("rights") == "none":
        queryset = queryset.exclude(Exists(rights))
    elif params.get("rights") == "some":
        queryset = queryset.filter(Exists(rights))
    if params.get("duplicates"):
        # Same perceptual hash as another asset's current file: likely the same picture.
        twins = Asset.objects.filter(
            current_version__phash=OuterRef("current_version__phash")
        ).exclude(pk=OuterRef("pk"))
        queryset = queryset.exclude(current_version__phash="").filter(Exists(twins))
    return queryset


def with_thumbnails(assets: list) -> list:
    """Set `thumb` and `alt` on each asset: its thumbnail rendition path (images, videos, documents with
    a file), or None. One query for the whole page (does the thumbnail profile exist)."""
    profile = thumbnail_profile()
    for a in assets:
        a.alt = next(iter(a.alt_text.values()), "")
        a.thumb = (
            rendition_path(a.uuid, profile)
            if profile and a.current_version_id and a.kind in PREVIEW_KINDS
            else None
        )
    return assets


@login_required
def asset_library(request):
    return _library(request, request.GET)


def _library(request, params, *, bulk=None, status=200):
    visible = asset_policy.visible(request.user, dam_selectors.asset_list())
    error = ""
    try:
        queryset = _facets(visible, params)
    except ValidationError as exc:
        queryset, error = visible.none(), " ".join(exc.messages)
    after = params.get("after", "")
    if after.isdigit():
        queryset = queryset.filter(pk__lt=int(after))
    page = list(queryset.order_by("-pk")[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    query = params.copy()
    query.pop("after", None)
    next_query = None
    if more:
        query["after"] = str(page[-1].pk)
        next_query = query.urlencode()
    context = {
        "assets": with_thumbnails(page),
        "view": "list" if params.get("view") == "list" else "grid",
        "params": params,
        "error": error,
        "next_query": next_query,
        "kinds": AssetKind.choices,
        "states": WorkflowState.choices,
        "licences": LicenceType.choices,
        "collections": Collection.objects.order_by("code").only("code"),
        "can_upload": request.user.has_perm("dam.add_asset"),
        "can_bulk": request.user.has_perm("dam.change_asset"),
        "bulk": bulk,
    }
    return render(request, "workbench/assets/library.html", context, status=status)


def _bulk_change(request, asset: Asset, operation: str, value: str) -> list[str]:
    """Add a tag to, or move to a collection, one asset; its refusals (none: done)."""
    if not asset_policy.allows(request.user, "change", asset):
        return ["You may not change this asset."]
    if operation == "tag":
        manual = [t.name for t in asset.tags.all() if t.source == TagSource.MANUAL]
        changes = {"tags": [*manual, value]}
    else:
        changes = {"collection": value or None}
    try:
        dam_services.asset_update(
            asset=asset, changes=changes, collection_scope=granted_collection_ids(request.user)
        )
    except ValidationError as exc:
        return exc.messages
    return []


@login_required
@permission_required("dam.change_asset", raise_exception=True)
@require_POST
def asset_bulk(request):
    """Submit, tag or file the chosen assets, each on its own; a result line per asset."""
    operation, value = request.POST.get("operation", ""), request.POST.get("value", "").strip()
    visible = asset_policy.visible(request.user, dam_selectors.asset_list())
    assets = list(visible.filter(uuid__in=request.POST.getlist("asset")[:BULK_LIMIT]))
    if not assets or operation not in ("submit", "tag", "collection"):
        bulk = [{"asset": None, "errors": ["Choose assets and what to do with them."]}]
        return _library(request, {}, bulk=bulk, status=422)
    if operation == "tag" and not value:
        return _library(
            request, {}, bulk=[{"asset": None, "errors": ["Name the tag."]}], status=422
        )
    if operation == "submit":
        reports = workflow.transition_many(objects=assets, action="submit")
        bulk = [{"asset": r.obj, "errors": [e["message"] for e in r.errors]} for r in reports]
    else:
        bulk = [{"asset": a, "errors": _bulk_change(request, a, operation, value)} for a in assets]
    return _library(request, {}, bulk=bulk)


def upload_one(request, file, collection: Collection | None) -> dict:
    """Ingest one file; answers what happened to it for the per-file result line."""
    try:
        [result] = dam_services.assets_ingest(
            uploads=[(file.name, file)],
            actor=current_user(),
            collection=collection,
            collection_scope=granted_collection_ids(request.user),
        )
    except dam_services.UploadsRefused as exc:
        return {"name": file.name, "refused": [refusal.message for _, _, refusal in exc.refusals]}
    except ValidationError as exc:
        return {"name": file.name, "refused": exc.messages}
    seen = asset_policy.visible(request.user, Asset.objects.filter(pk=result.asset.pk)).exists()
    return {
        "name": file.name,
        "asset": result.asset if seen else None,
        "duplicate": result.duplicate,
    }


@login_required
@permission_required("dam.add_asset", raise_exception=True)
@require_POST
def asset_upload(request):
    file = request.FILES.get("file")
    if file is None:
        outcome = {"name": "", "refused": ["Choose a file to upload."]}
    else:
        code = request.POST.get("collection") or ""
        collection = Collection.objects.filter(code=code).first() if code else None
        if code and collection is None:
            outcome = {"name": file.name, "refused": [f"There is no collection {code!r}."]}
        else:
            outcome = upload_one(request, file, collection)
    status = 422 if outcome.get("refused") else 200
    return render(request, "workbench/assets/_upload_result.html", {"r": outcome}, status=status)


urlpatterns = [
    path("assets/", asset_library, name="workbench-assets"),
    path("assets/upload/", asset_upload, name="workbench-asset-upload"),
    path("assets/bulk/", asset_bulk, name="workbench-asset-bulk"),
]
