"""API: product↔asset links, a product's (or model's) media with what it inherits, reordering,
and where an asset is used. Views parse and present; linking.services decide.

Reading needs the link view permission and the product (or model) and the asset visible to the
user (404 otherwise; a body naming one answers 422 `unknown`, revealing nothing). Writing needs
the link permission of the method (403) on a product or model and an asset the user may see:
linking is the role's own right (Product Editors and Asset Librarians both hold it, and a
librarian does not hold pim's change permission), narrowed by the category scope (including a
channel key's tree) and the collection scope."""

import uuid

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.response import Response

from dam.models import Asset
from dam.policies import asset_policy
from governance.api.pagination import IdCursorPagination
from governance.api.permissions import ModelPermissionsWithView
from governance.api.views import if_match, json_object
from linking.api import link_media
from linking.api.link_serializers import LinkInputSerializer, LinkSerializer
from linking.models import ProductAssetLink
from linking.selectors import links as selectors
from linking.services import links as services
from pim.models import Product, ProductModel
from pim.policies import product_model_policy, product_policy
from pim.services.products import sku_key

CREATE_FIELDS = {"product", "product_model", "asset", "role", "position", "locale", "channel"}


def _unknown(field: str, message: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code="unknown")]})


def _asset_for(user, raw) -> Asset:
    """The asset a body names by uuid, if the user may see it (else a 422: no existence leak)."""
    try:
        key = uuid.UUID(str(raw))
    except ValueError:
        raise _unknown("asset", "Give the asset's uuid.") from None
    asset = asset_policy.visible(user, Asset.objects.all()).filter(uuid=key).first()
    if asset is None:
        raise _unknown("asset", f"There is no asset {raw}.")
    return asset


def _position(body: dict) -> int | None:
    position = body.get("position")
    if position is not None and (isinstance(position, bool) or not isinstance(position, int)):
        raise ValidationError({"position": [ValidationError("Expected a number.", code="invalid")]})
    return position


def _link_etag(link: ProductAssetLink) -> str:
    return f'"{link.updated_at.timestamp():.6f}"'


class LinkViewSet(viewsets.GenericViewSet):
    """Links by id. Filters: product (SKU), product_model (code), asset (uuid), role."""

    permission_classes = [permissions.IsAuthenticated, ModelPermissionsWithView]
    queryset = ProductAssetLink.objects.all()
    serializer_class = LinkSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return selectors.links_visible(self.request.user, selectors.link_list())

    def get_object(self):
        link = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, link)
        return link

    def _present(self, link, status_code=200):
        link = selectors.link_list().get(pk=link.pk)
        response = Response(LinkSerializer(link).data, status=status_code)
        response["ETag"] = _link_etag(link)
        return response

    def _filtered(self, queryset):
        params = self.request.query_params
        if params.get("product"):
            queryset = queryset.filter(product__sku_key=sku_key(params["product"]))
        if params.get("product_model"):
            queryset = queryset.filter(product_model__code=params["product_model"])
        if params.get("asset"):
            try:
                queryset = queryset.filter(asset__uuid=uuid.UUID(params["asset"]))
            except ValueError:
                raise ValidationError(
                    {"asset": [ValidationError("Give an asset uuid.", code="invalid")]}
                ) from None
        if params.get("role"):
            queryset = queryset.filter(role=params["role"])
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("product", str, description="A SKU."),
            OpenApiParameter("product_model", str, description="A product model code."),
            OpenApiParameter("asset", str, description="An asset uuid."),
            OpenApiParameter("role", str, description="A media role code."),
        ]
    )
    def list(self, request):
        page = self.paginate_queryset(self._filtered(self.get_queryset()))
        return self.get_paginated_response(LinkSerializer(page, many=True).data)

    def retrieve(self, request, pk):
        return self._present(self.get_object())

    @extend_schema(
        request=LinkInputSerializer, responses={201: LinkSerializer, 200: LinkSerializer}
    )
    def create(self, request):
        """Link an asset; the identical link, when it exists, answers 200 unchanged."""
        body = dict(json_object(request.data))
        unknown = sorted(set(body) - CREATE_FIELDS)
        if unknown:
            raise ValidationError(
                {
                    name: [ValidationError("Unknown field.", code="unknown_field")]
                    for name in unknown
                }
            )
        owner = _owner_for(request.user, body)
        if "asset" not in body:
            raise ValidationError({"asset": [ValidationError("Give an asset.", code="required")]})
        asset = _asset_for(request.user, body["asset"])
        if not isinstance(body.get("role"), str):
            raise ValidationError({"role": [ValidationError("Give a role.", code="required")]})
        position = _position(body)
        known = set(ProductAssetLink.objects.filter(asset=asset).values_list("pk", flat=True))
        link = services.link_add(
            asset=asset,
            role=body["role"],
            position=position,
            locale=body.get("locale"),
            channel=body.get("channel"),
            **({"product": owner} if isinstance(owner, Product) else {"product_model": owner}),
        )
        return self._present(
            link, status.HTTP_200_OK if link.pk in known else status.HTTP_201_CREATED
        )

    @extend_schema(request=LinkInputSerializer)
    def partial_update(self, request, pk):
        link = self.get_object()
        if_match(request, _link_etag(link))
        changes = dict(json_object(request.data))
        _position(changes)
        return self._present(services.link_update(link=link, changes=changes))

    def destroy(self, request, pk):
        link = self.get_object()
        if_match(request, _link_etag(link))
        services.link_remove(link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _owner_for(user, body: dict):
    """The product or model a body names, if the user may see it (else a 422)."""
    sku, code = body.get("product"), body.get("product_model")
    if (sku is None) == (code is None):
        raise ValidationError(
            {
                "product": [
                    ValidationError(
                        "Give exactly one of product (a SKU) or product_model (a code).",
                        code="one_owner",
                    )
                ]
            }
        )
    if "\x00" in str(sku if sku is not None else code):  # PostgreSQL text cannot hold NUL
        raise _unknown(
            "product" if sku is not None else "product_model",
            "There is no such product or product model.",
        )
    if sku is not None:
        product = product_policy.visible(user, Product.objects.all()).filter(
            sku_key=sku_key(str(sku))
        )
        found = product.first()
        if found is None:
            raise _unknown("product", f"There is no product {sku}.")
        return found
    found = product_model_policy.visible(user, ProductModel.objects.all()).filter(code=code).first()
    if found is None:
        raise _unknown("product_model", f"There is no product model {code}.")
    return found


urlpatterns = [
    path("links", LinkViewSet.as_view({"get": "list", "post": "create"}), name="link-list"),
    path(
        "links/<int:pk>",
        LinkViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="link-detail",
    ),
    *link_media.urlpatterns,
]
