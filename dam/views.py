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


def rendition_path(asset_uuid, profile_code: str) -> str:
    """The signed delivery path of an asset's rendition for a profile (stable: CDN-cacheable)."""
    signature = SIGNER.signature(f"{profile_code}/{asset_uuid}")
    return f"/r/{signature}/{profile_code}/{asset_uuid}"


@require_GET
def rendition_delivery(request, signature, profile, asset_uuid):
    if not constant_time_compare(signature, SIGNER.signature(f"{profile}/{asset_uuid}")):
        raise Http404("This rendition link is not valid.")
    asset = Asset.objects.select_related("current_version").filter(uuid=asset_uuid).first()
    profile_row = RenditionProfile.objects.filter(code=profile).first()
    if asset is None or asset.current_version is None or profile_row is None:
        raise Http404("No such rendition.")
    version = asset.current_version
    version.asset = asset
    rendition = rendition_ensure(version=version, profile=profile_row)
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
