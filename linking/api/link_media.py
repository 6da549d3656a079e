"""API: a product's (or product model's) media with what it inherits, reordering one role in
one call, and where an asset is used. Permissions as for links (see linking/api/links.py)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.response import Response

from dam.models import Asset, RenditionProfile
from dam.policies import asset_policy
from dam.views import rendition_path
from governance.api.permissions import ModelPermissionsWithView
from governance.api.views import json_object
from governance.models import Channel, Locale
from governance.policies import check_channel
from linking.api.link_serializers import LinkSerializer
from linking.models import ProductAssetLink
from linking.selectors import links as selectors
from linking.services import links as services
from pim.models import Product, ProductModel
from pim.policies import product_model_policy, product_policy
from pim.services.products import sku_key

PREVIEW_KINDS = ("image", "video", "document")


MEDIA_ITEM = inline_serializer(
    "ProductMediaItem",
    {
        "link": serializers.IntegerField(),
        "role": serializers.CharField(),
        "position": serializers.IntegerField(),
        "locale": serializers.CharField(allow_null=True),
        "channel": serializers.CharField(allow_null=True),
        "inherited_from": serializers.CharField(allow_null=True),
        "asset": inline_serializer(
            "ProductMediaAsset",
            {
                "uuid": serializers.UUIDField(),
                "code": serializers.CharField(),
                "kind": serializers.CharField(),
                "workflow_state": serializers.CharField(),
            },
        ),
        "thumbnail": serializers.URLField(allow_null=True),
    },
)
REORDER = inline_serializer(
    "ProductMediaReorder",
    {
        "role": serializers.CharField(),
        "assets": serializers.ListField(child=serializers.UUIDField()),
        "locale": serializers.CharField(required=False, allow_null=True),
        "channel": serializers.CharField(required=False, allow_null=True),
    },
)
MEDIA_PARAMETERS = [
    OpenApiParameter("channel", str, description="Only links for this channel (and unscoped)."),
    OpenApiParameter("locale", str, description="Only links for this locale (and unscoped)."),
]


def thumbnail_profile() -> str | None:
    """The rendition profile media lists show as thumbnails, if it exists (one query)."""
    code = settings.TESSERA_MEDIA_THUMBNAIL_PROFILE
    return code if code and RenditionProfile.objects.filter(code=code).exists() else None


def media_out(items, *, request, profile: str | None) -> list[dict]:
    out = []
    for item in items:
        asset = item.asset
        thumbnail = None
        if profile and asset.current_version_id and asset.kind in PREVIEW_KINDS:
            thumbnail = request.build_absolute_uri(rendition_path(asset.uuid, profile))
        out.append(
            {
                "link": item.link.pk,
                "role": item.role,
                "position": item.position,
                "locale": item.link.locale.code if item.link.locale_id else None,
                "channel": item.link.channel.code if item.link.channel_id else None,
                "inherited_from": item.inherited_from,
                "asset": {
                    "uuid": str(asset.uuid),
                    "code": asset.code,
                    "kind": asset.kind,
                    "workflow_state": asset.workflow_state,
                },
                "thumbnail": thumbnail,
            }
        )
    return out


class OwnerMediaViewSet(viewsets.GenericViewSet):
    """The media of one product (or product model) for a channel and locale, in order, with
    what it inherits; and reordering one role in one call."""

    permission_classes = [permissions.IsAuthenticated, ModelPermissionsWithView]
    queryset = ProductAssetLink.objects.all()
    serializer_class = LinkSerializer
    pagination_class = None
    owner_kwarg = "sku"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_channel(request.user, request.query_params.get("channel"))

    def owner(self):
        raise NotImplementedError

    def media(self, owner, *, channel, locale):
        raise NotImplementedError

    def reorder_owner(self, owner) -> dict:
        raise NotImplementedError

    @extend_schema(parameters=MEDIA_PARAMETERS, responses=MEDIA_ITEM)
    def list(self, request, **kwargs):
        owner = self.owner()
        channel, locale = _scope_params(request)
        items = self.media(owner, channel=channel, locale=locale)
        # A user scoped to some collections sees only the assets in them.
        ids = {item.asset.pk for item in items}
        visible = set(
            asset_policy.visible(request.user, Asset.objects.filter(pk__in=ids)).values_list(
                "pk", flat=True
            )
        )
        items = [item for item in items if item.asset.pk in visible]
        return Response(media_out(items, request=request, profile=thumbnail_profile()))

    @extend_schema(request=REORDER, responses=LinkSerializer(many=True))
    def reorder(self, request, **kwargs):
        owner = self.owner()
        body = json_object(request.data)
        role, assets = body.get("role"), body.get("assets")
        if not isinstance(role, str):
            raise ValidationError({"role": [ValidationError("Give a role.", code="required")]})
        if not isinstance(assets, list) or not all(isinstance(a, str) for a in assets):
            raise ValidationError(
                {"assets": [ValidationError("Give the list of asset uuids.", code="required")]}
            )
        check_channel(request.user, body.get("channel"))
        links = services.links_reorder(
            role=role,
            asset_uuids=assets,
            locale=body.get("locale"),
            channel=body.get("channel"),
            **self.reorder_owner(owner),
        )
        rows = selectors.link_list().filter(pk__in=[link.pk for link in links])
        by_pk = {row.pk: row for row in rows}
        return Response(LinkSerializer([by_pk[link.pk] for link in links], many=True).data)


def _scope_params(request) -> tuple[str | None, str | None]:
    """?channel= and ?locale=, which must name an existing channel and an active locale."""
    channel = request.query_params.get("channel") or None
    locale = request.query_params.get("locale") or None
    if channel is not None and not Channel.objects.filter(code=channel).exists():
        raise ValidationError(
            {"channel": [ValidationError(f"Unknown channel {channel!r}.", code="unknown_channel")]}
        )
    if locale is not None and not Locale.objects.filter(code=locale, is_active=True).exists():
        raise ValidationError(
            {"locale": [ValidationError(f"Unknown locale {locale!r}.", code="unknown_locale")]}
        )
    return channel, locale


@extend_schema(parameters=[OpenApiParameter("sku", str, OpenApiParameter.PATH)])
class ProductMediaViewSet(OwnerMediaViewSet):
    def owner(self):
        visible = product_policy.visible(self.request.user, Product.objects.all())
        return get_object_or_404(visible, sku_key=sku_key(self.kwargs["sku"]))

    def media(self, owner, *, channel, locale):
        return selectors.product_media(owner, channel=channel, locale=locale)

    def reorder_owner(self, owner) -> dict:
        return {"product": owner}


@extend_schema(parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)])
class ProductModelMediaViewSet(OwnerMediaViewSet):
    def owner(self):
        visible = product_model_policy.visible(self.request.user, ProductModel.objects.all())
        return get_object_or_404(visible, code=self.kwargs["code"])

    def media(self, owner, *, channel, locale):
        return selectors.model_media(owner, channel=channel, locale=locale)

    def reorder_owner(self, owner) -> dict:
        return {"product_model": owner}


WHERE_USED = inline_serializer(
    "AssetWhereUsed",
    {
        "asset": serializers.UUIDField(),
        "products_reached": serializers.IntegerField(
            help_text="Distinct products the asset shows, variants of linked models included."
        ),
        "links": LinkSerializer(many=True),
    },
)


@extend_schema(parameters=[OpenApiParameter("uuid", str, OpenApiParameter.PATH)])
class WhereUsedViewSet(viewsets.GenericViewSet):
    """Where an asset is linked (the links whose product or model the user may see) and how
    many products it reaches in all."""

    permission_classes = [permissions.IsAuthenticated, ModelPermissionsWithView]
    queryset = ProductAssetLink.objects.all()
    serializer_class = LinkSerializer
    pagination_class = None

    @extend_schema(responses=WHERE_USED)
    def retrieve(self, request, **kwargs):
        try:
            key = uuid.UUID(kwargs["uuid"])
        except ValueError:
            raise exceptions.NotFound() from None
        asset = get_object_or_404(asset_policy.visible(request.user, Asset.objects.all()), uuid=key)
        used = selectors.where_used(asset)
        visible = set(
            selectors.links_visible(
                request.user, ProductAssetLink.objects.filter(asset=asset)
            ).values_list("pk", flat=True)
        )
        links = [link for link in used.links if link.pk in visible]
        for link in links:
            link.asset = asset
        return Response(
            {
                "asset": str(asset.uuid),
                "products_reached": used.products_reached,
                "links": LinkSerializer(links, many=True).data,
            }
        )


product_media = ProductMediaViewSet
model_media = ProductModelMediaViewSet
urlpatterns = [
    # Products' sub-paths: pim's detail route takes "products/<sku>" only (no slash in it).
    path("products/<str:sku>/media", product_media.as_view({"get": "list"}), name="product-media"),
    path(
        "products/<str:sku>/media/reorder",
        product_media.as_view({"post": "reorder"}),
        name="product-media-reorder",
    ),
    path(
        "product-models/<str:code>/media",
        model_media.as_view({"get": "list"}),
        name="product-model-media",
    ),
    path(
        "product-models/<str:code>/media/reorder",
        model_media.as_view({"post": "reorder"}),
        name="product-model-media-reorder",
    ),
    path(
        "assets/<str:uuid>/where-used",
        WhereUsedViewSet.as_view({"get": "retrieve"}),
        name="asset-where-used",
    ),
]
