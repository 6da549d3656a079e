"""Rendition delivery: /r/<signature>/<profile>/<asset uuid>, signed so only URLs the server
handed out work (no one can ask for arbitrary sizes), made on first use, then from storage: a
short-lived signed link, or the public CDN base for approved assets when one is configured."""

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponseRedirect
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET

from dam.models import Asset, RenditionProfile, RenditionStatus
from dam.rendering import rendition_ensure
from governance.models import WorkflowState

SIGNER = signing.Signer(salt="tessera.renditions")


def rendition_path(asset_uuid, profile_code: str, version: int | None = None) -> str:
    """The signed delivery path of an asset's rendition for a profile (stable: CDN-cacheable).

    Without `version`, of whatever version is current; with it, of that version only — what a
    channel publishes names the approved version, so a later draft never reaches it."""
    if version is None:
        signature = SIGNER.signature(f"{profile_code}/{asset_uuid}")
        return f"/r/{signature}/{profile_code}/{asset_uuid}"
    signature = SIGNER.signature(f"{profile_code}/{asset_uuid}/{version}")
    return f"/r/{signature}/{profile_code}/{asset_uuid}/{version}"


@require_GET
def rendition_delivery(request, signature, profile, asset_uuid, version=None):
    signed = f"{profile}/{asset_uuid}" if version is None else f"{profile}/{asset_uuid}/{version}"
    if not constant_time_compare(signature, SIGNER.signature(signed)):
        raise Http404("This rendition link is not valid.")
    asset = Asset.objects.select_related("current_version").filter(uuid=asset_uuid).first()
    profile_row = RenditionProfile.objects.filter(code=profile).first()
    if asset is None or profile_row is None:
        raise Http404("No such rendition.")
    if version is None:
        version_row = asset.current_version
    else:
        version_row = asset.versions.filter(number=version).first()
    if version_row is None:
        raise Http404("No such rendition.")
    version_row.asset = asset
    rendition = rendition_ensure(version=version_row, profile=profile_row)
    if rendition.status != RenditionStatus.DONE:
        raise Http404("This rendition cannot be made.")
    public_base = settings.TESSERA_PUBLIC_RENDITION_BASE_URL
    if public_base and asset.workflow_state == WorkflowState.APPROVED:
        # Approved: the CDN serves it; the key names the bytes and the settings, so it never
        # changes meaning and may be cached for good.
        response = HttpResponseRedirect(public_base.rstrip("/") + "/" + rendition.file)
        response["Cache-Control"] = "public, max-age=3600"
        return response
    response = HttpResponseRedirect(default_storage.url(rendition.file))
    response["Cache-Control"] = "private, max-age=60"
    return response
