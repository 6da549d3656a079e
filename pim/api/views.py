"""Catalog endpoints. Views parse and present; pim.services decide."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.response import Response

from governance.api.pagination import CodeCursorPagination, IdCursorPagination
from governance.api.parsers import JSONParser
from governance.api.views import (
    PreconditionFailed,
    SavedByServiceViewSet,
    if_match,
    json_object,
)
from governance.services import VersionConflict
from pim import selectors
from pim.api import representation, serializers
from pim.api.filters import ORDERINGS, product_filter
from pim.api.ndjson import NDJSONParser, NDJSONRenderer
from pim.models import Product, ProductModel
from pim.policies import check_channel, product_model_policy, product_policy
from pim.services import catalog as catalog_services
from pim.services.product_models import product_model_save
from pim.services.products import product_delete, product_upsert_many, sku_key


def trim_params(request) -> dict:
    """attributes=, locales=, channel= trim the values a response carries."""
    params = request.query_params
    split = lambda raw: [p for p in raw.split(",") if p] if raw else None  # noqa: E731
    return {
        "attributes": split(params.get("attributes")),
        "locales": split(params.get("locales")),
        "channel": params.get("channel") or None,
    }


def outcome_response(outcome):
    if outcome.status == 404:
        raise exceptions.NotFound()
    if outcome.status == 412:
        raise PreconditionFailed()
    if not outcome.ok:
        raise _as_validation_error(outcome.errors)


def _as_validation_error(errors) -> ValidationError:
    grouped: dict = {}
    for error in errors:
        grouped.setdefault(error["field"] or "__all__", []).append(
            ValidationError(error["message"], code=error["code"])
        )
    return ValidationError(grouped)


LIST_PARAMETERS = {
    "q": "Full-text search over SKU, label and text values in every locale.",
    "family": "Family codes, comma-separated.",
    "categories": "Category codes, comma-separated.",
    "categories_include_children": "true: also products in any child category.",
    "enabled": "true or false.",
    "parent": "A product model code.",
    "updated_since": "ISO 8601 date-time with a time zone.",
    "completeness_channel": "Channel for completeness filters and ordering.",
    "completeness_locale": "Locale for completeness filters and ordering.",
    "completeness_gte": "Minimum completeness percent.",
    "completeness_lte": "Maximum completeness percent.",
    "ordering": "sku, updated_at or completeness; prefix - for descending.",
    "attributes": "Attribute codes to return, comma-separated.",
    "locales": "Locales to return, comma-separated.",
    "channel": "Channel to return (and to filter scopable attributes on).",
    "locale": "Locale to filter localizable attributes on (attr.<code>=…).",
}


class ProductPagination(IdCursorPagination):
    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get("ordering", "")
        field = ORDERINGS.get(raw.lstrip("-"))
        if field is None:
            return ("pk",)
        return (("-" if raw.startswith("-") else "") + field, "pk")


class ProductViewSet(viewsets.GenericViewSet):
    """Products by SKU. PATCH merges values; PATCH on the collection upserts NDJSON lines."""

    permission_classes = [permissions.IsAuthenticated, permissions.DjangoModelPermissions]
    queryset = Product.objects.all()
    serializer_class = serializers.ProductSerializer  # documents the shape; see representation
    pagination_class = ProductPagination
    lookup_field = "sku"
    lookup_value_regex = "[^/]+"
    parser_classes = [JSONParser, NDJSONParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_channel(request.user, request.query_params.get("channel"))

    def get_queryset(self):
        # Only what the user may see: anything outside their scope answers 404.
        return product_policy.visible(self.request.user, selectors.product_list())

    def get_object(self):
        product = get_object_or_404(self.get_queryset(), sku_key=sku_key(self.kwargs["sku"]))
        self.check_object_permissions(self.request, product)
        return product

    def _present(self, product, status_code=200):
        extras = selectors.product_extras([product.pk])
        body = representation.product_out(product, extras, **trim_params(self.request))
        response = Response(body, status=status_code)
        response["ETag"] = representation.product_etag(product)
        return response

    @extend_schema(
        operation_id="products_list",
        responses=serializers.ProductSerializer(many=True),
        parameters=[
            OpenApiParameter(name, str, description=description)
            for name, description in LIST_PARAMETERS.items()
        ],
    )
    def list(self, request):
        queryset = product_filter(self.get_queryset(), request.query_params, selectors.catalog_load)
        page = self.paginate_queryset(queryset)
        trim = trim_params(request)
        extras = selectors.product_extras([p.pk for p in page])
        return self.get_paginated_response(
            [representation.product_out(p, extras, **trim) for p in page]
        )

    def retrieve(self, request, sku):
        product = self.get_object()
        etag = representation.product_etag(product)
        if request.headers.get("If-None-Match") == etag:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return self._present(product)

    def create(self, request):
        body = json_object(request.data)
        [outcome] = product_upsert_many(
            items=[body], mode="create", category_scope=product_policy.write_scope(request.user)
        )
        outcome_response(outcome)
        response = self._present(outcome.product, 201)
        response["Location"] = f"/api/v1/products/{outcome.product.sku}"
        return response

    def partial_update(self, request, sku):
        # Versions only, no values: If-Match is checked before the service loads the row.
        current = (
            product_policy.visible(request.user, Product.objects.all())
            .filter(sku_key=sku_key(sku))
            .values_list("sku_key", "version", "parent__version", "parent__parent__version")
            .first()
        )
        if current is None:
            raise exceptions.NotFound()
        key, version, *parents = current
        if_match(request, representation.etag(version, *parents))
        body = {**json_object(request.data)}
        body.setdefault("sku", sku)
        if sku_key(str(body["sku"])) != key:
            raise ValidationError(
                {"sku": ValidationError("A SKU cannot change.", code="read_only")}
            )
        expected = {0: version} if request.headers.get("If-Match") else None
        [outcome] = product_upsert_many(
            items=[body],
            mode="update",
            expected_versions=expected,
            category_scope=product_policy.write_scope(request.user),
        )
        outcome_response(outcome)
        if "return=minimal" in request.headers.get("Prefer", ""):  # RFC 7240
            response = Response(status=status.HTTP_204_NO_CONTENT)
            response["ETag"] = representation.product_etag(outcome.product)
            response["Preference-Applied"] = "return=minimal"
            return response
        return self._present(outcome.product)

    def destroy(self, request, sku):
        product = self.get_object()
        if_match(request, representation.product_etag(product))
        product_delete(product=product)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="products_bulk_upsert",
        request={"application/x-ndjson": {"type": "string"}},
        responses={(200, "application/x-ndjson"): {"type": "string"}},
    )
    def bulk_upsert(self, request):
        """One product per NDJSON line (at most 1,000); answers one status line per input line."""
        if request.content_type.split(";")[0].strip() != NDJSONParser.media_type:
            raise exceptions.UnsupportedMediaType(request.content_type)
        lines = request.data
        if not lines:  # an empty answer would be a 200 with no body and no Content-Type
            raise exceptions.ValidationError(
                {"body": [exceptions.ErrorDetail("Send one product per line.", code="required")]}
            )
        parsed = [(n, doc) for n, doc in lines if not isinstance(doc, exceptions.ParseError)]
        hidden = self._hidden_skus([doc for _, doc in parsed])
        allowed = [doc for _, doc in parsed if _line_key(doc) not in hidden]
        outcomes = iter(
            product_upsert_many(
                items=allowed, category_scope=product_policy.write_scope(request.user)
            )
        )
        results = []
        for number, doc in lines:
            if isinstance(doc, exceptions.ParseError):
                error = {"field": None, "code": "parse_error", "message": str(doc.detail)}
                results.append({"line": number, "sku": None, "status_code": 400, "errors": [error]})
                continue
            if _line_key(doc) in hidden:
                error = {"field": "sku", "code": "not_found", "message": "Not found."}
                results.append(
                    {"line": number, "sku": doc.get("sku"), "status_code": 404, "errors": [error]}
                )
                continue
            outcome = next(outcomes)
            results.append(
                {
                    "line": number,
                    "sku": outcome.sku,
                    "status_code": outcome.status,
                    "errors": outcome.errors,
                }
            )
        return Response(results, content_type=NDJSONRenderer.media_type)

    def _hidden_skus(self, docs) -> set[str]:
        """SKU keys of existing products outside the user's scope: those lines answer 404."""
        keys = {_line_key(doc) for doc in docs} - {None}
        existing = Product.objects.filter(sku_key__in=keys)
        visible = product_policy.visible(self.request.user, existing)
        return set(existing.values_list("sku_key", flat=True)) - set(
            visible.values_list("sku_key", flat=True)
        )

    def get_renderers(self):
        if self.action == "bulk_upsert":
            return [NDJSONRenderer()]
        return super().get_renderers()


def _line_key(doc) -> str | None:
    sku = doc.get("sku") if isinstance(doc, dict) else None
    return sku_key(sku) if isinstance(sku, str) else None


class ProductModelViewSet(viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, permissions.DjangoModelPermissions]
    queryset = ProductModel.objects.all()
    serializer_class = serializers.ProductModelSerializer
    pagination_class = CodeCursorPagination
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_channel(request.user, request.query_params.get("channel"))

    def get_queryset(self):
        return product_model_policy.visible(self.request.user, selectors.product_model_list())

    def get_object(self):
        model = get_object_or_404(self.get_queryset(), code=self.kwargs["code"])
        self.check_object_permissions(self.request, model)
        return model

    def _present(self, model, status_code=200):
        model = selectors.product_model_list().get(pk=model.pk)
        response = Response(
            representation.product_model_out(model, **trim_params(self.request)), status=status_code
        )
        response["ETag"] = f'"{model.version}"'
        return response

    @extend_schema(
        operation_id="product_models_list", responses=serializers.ProductModelSerializer(many=True)
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        trim = trim_params(request)
        return self.get_paginated_response(
            [representation.product_model_out(m, **trim) for m in page]
        )

    def retrieve(self, request, code):
        return self._present(self.get_object())

    def create(self, request):
        model = product_model_save(data=json_object(request.data))
        return self._present(model, status.HTTP_201_CREATED)

    def partial_update(self, request, code):
        model = self.get_object()
        if_match(request, f'"{model.version}"')
        expected = model.version if request.headers.get("If-Match") else None
        try:
            saved = product_model_save(
                data=json_object(request.data),
                product_model=model,
                expected_version=expected,
            )
        except VersionConflict:
            raise PreconditionFailed() from None
        return self._present(saved)


class AttributeGroupViewSet(SavedByServiceViewSet):
    queryset = selectors.attribute_group_list()
    serializer_class = serializers.AttributeGroupSerializer
    service = staticmethod(catalog_services.attribute_group_save)
    instance_argument = "group"
    delete_service = staticmethod(catalog_services.catalog_entry_delete)


class AttributeViewSet(SavedByServiceViewSet):
    queryset = selectors.attribute_list()
    serializer_class = serializers.AttributeSerializer
    filterset_fields = ["type"]
    service = staticmethod(catalog_services.attribute_save)
    instance_argument = "attribute"
    delete_service = staticmethod(catalog_services.catalog_entry_delete)


class FamilyViewSet(SavedByServiceViewSet):
    queryset = selectors.family_list()
    serializer_class = serializers.FamilySerializer
    service = staticmethod(catalog_services.family_save)
    instance_argument = "family"
    delete_service = staticmethod(catalog_services.catalog_entry_delete)


class FamilyVariantViewSet(SavedByServiceViewSet):
    queryset = selectors.family_variant_list()
    serializer_class = serializers.FamilyVariantSerializer
    service = staticmethod(catalog_services.family_variant_save)
    instance_argument = "variant"
    delete_service = staticmethod(catalog_services.catalog_entry_delete)


class AssociationTypeViewSet(SavedByServiceViewSet):
    queryset = selectors.association_type_list()
    serializer_class = serializers.AssociationTypeSerializer
    service = staticmethod(catalog_services.association_type_save)
    instance_argument = "association_type"
    delete_service = staticmethod(catalog_services.catalog_entry_delete)
