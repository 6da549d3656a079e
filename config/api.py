from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.reverse import reverse


@extend_schema(exclude=True)
@api_view(["GET"])
def api_root(request):
    """Where everything in /api/v1/ is."""
    names = {
        "locales": "locale-list",
        "currencies": "currency-list",
        "channels": "channel-list",
        "vocabularies": "vocabulary-list",
        "categories": "category-list",
        "category-trees": "category-tree-list",
        "attribute-groups": "attribute-group-list",
        "attributes": "attribute-list",
        "families": "family-list",
        "family-variants": "family-variant-list",
        "association-types": "association-type-list",
        "product-models": "product-model-list",
        "products": "product-list",
        "assets": "asset-list",
        "collections": "collection-list",
        "rendition-profiles": "rendition-profile-list",
        "upload-presets": "upload-preset-list",
        "api-keys": "api-key-list",
        "change-requests": "change-request-list",
        "quality-checks": "quality-check-list",
        "quality-runs": "quality-run-list",
        "jobs": "job-list",
        "links": "link-list",
        "naming-rules": "naming-rule-list",
        "relink-jobs": "relink-job-list",
        "media-requirements": "media-requirement-list",
        "fallback-media": "fallback-media-list",
        "events": "event-list",
        "webhooks": "webhook-list",
    }
    links = {key: reverse(name, request=request) for key, name in names.items()}
    links["schema"] = reverse("api-schema", request=request)
    links["docs"] = reverse("api-docs", request=request)
    return Response(links)
