"""Reference-data endpoints. Views parse and serialize; services decide."""

from functools import cached_property

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models.deletion import ProtectedError, RestrictedError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.response import Response

from governance import selectors, services
from governance.api import filters, serializers
from governance.api.pagination import CodeCursorPagination, TermCursorPagination
from governance.models import Term, Vocabulary
from governance.policies import channel_visible


class CodeResourceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A resource addressed by its code. Writing needs the model's add/change/delete permission."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    permission_classes = [permissions.IsAuthenticated, permissions.DjangoModelPermissions]
    pagination_class = CodeCursorPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    input_serializer_class: type[serializers.StrictInputSerializer]

    def parse(self, *, partial=False):
        data = self.input_serializer_class(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def respond(self, instance, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(instance).data, status=status_code)


class CodeEntryViewSet(CodeResourceViewSet):
    """Locales and currencies: created and deactivated, never deleted (values refer to them)."""

    input_serializer_class = serializers.CodeEntryInputSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request):
        entry = services.code_entry_create(model=self.queryset.model, **self.parse())
        return self.respond(entry, status.HTTP_201_CREATED)

    def partial_update(self, request, code):
        entry = self.get_object()
        return self.respond(
            services.code_entry_update(entry=entry, changes=self.parse(partial=True))
        )


@extend_schema_view(
    create=extend_schema(request=serializers.CodeEntryInputSerializer),
    partial_update=extend_schema(request=serializers.CodeEntryInputSerializer),
)
class LocaleViewSet(CodeEntryViewSet):
    queryset = selectors.locale_list()
    serializer_class = serializers.LocaleSerializer
    filterset_class = filters.LocaleFilterSet


@extend_schema_view(
    create=extend_schema(request=serializers.CodeEntryInputSerializer),
    partial_update=extend_schema(request=serializers.CodeEntryInputSerializer),
)
class CurrencyViewSet(CodeEntryViewSet):
    queryset = selectors.currency_list()
    serializer_class = serializers.CurrencySerializer
    filterset_class = filters.CurrencyFilterSet


class ChannelViewSet(CodeResourceViewSet):
    queryset = selectors.channel_list()
    serializer_class = serializers.ChannelSerializer
    input_serializer_class = serializers.ChannelInputSerializer
    filterset_class = filters.ChannelFilterSet

    def get_queryset(self):
        # A channel-restricted API key sees its own channel only (others answer 404).
        return channel_visible(self.request.user, super().get_queryset())

    @extend_schema(
        request=serializers.ChannelInputSerializer, responses={201: serializers.ChannelSerializer}
    )
    def create(self, request):
        channel = services.channel_create(**self.parse())
        return self.respond(selectors.channel_list().get(pk=channel.pk), status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.ChannelInputSerializer, responses=serializers.ChannelSerializer
    )
    def partial_update(self, request, code):
        channel = self.get_object()
        data = self.parse(partial=True)
        relations = ("locales", "currencies", "category_tree")
        services.channel_update(
            channel=channel,
            changes={k: v for k, v in data.items() if k not in relations},
            locales=data.get("locales"),
            currencies=data.get("currencies"),
            category_tree=data.get("category_tree", ...),
        )
        return self.respond(selectors.channel_list().get(pk=channel.pk))

    def destroy(self, request, code):
        services.channel_delete(channel=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class VocabularyViewSet(CodeResourceViewSet):
    """Controlled vocabularies, each with its terms. Deleting one that still has terms is
    refused (422, `has_terms`) rather than cascading: values hold the terms' codes."""

    queryset = selectors.vocabulary_list()
    serializer_class = serializers.VocabularySerializer
    input_serializer_class = serializers.VocabularyInputSerializer
    filterset_class = filters.VocabularyFilterSet

    def fresh(self, vocabulary):
        return selectors.vocabulary_list().get(pk=vocabulary.pk)

    @extend_schema(
        request=serializers.VocabularyInputSerializer,
        responses={201: serializers.VocabularySerializer},
    )
    def create(self, request):
        data = self.parse()
        vocabulary = services.vocabulary_create(**data)
        return self.respond(self.fresh(vocabulary), status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.VocabularyInputSerializer, responses=serializers.VocabularySerializer
    )
    def partial_update(self, request, code):
        vocabulary = self.get_object()
        changes = self.parse(partial=True)
        services.vocabulary_update(vocabulary=vocabulary, changes=changes)
        return self.respond(self.fresh(vocabulary))

    def destroy(self, request, code):
        services.vocabulary_delete(vocabulary=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    parameters=[OpenApiParameter("vocabulary_code", str, OpenApiParameter.PATH)],
)
class TermViewSet(CodeResourceViewSet):
    """The terms of one vocabulary, in sort order; addressed by their code within it."""

    serializer_class = serializers.TermSerializer
    input_serializer_class = serializers.TermInputSerializer
    pagination_class = TermCursorPagination
    filterset_class = filters.TermFilterSet

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return get_object_or_404(Vocabulary, code=self.kwargs["vocabulary_code"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no URL
            return Term.objects.none()
        return selectors.term_list(vocabulary=self.vocabulary)

    @extend_schema(
        request=serializers.TermInputSerializer, responses={201: serializers.TermSerializer}
    )
    def create(self, request, vocabulary_code):
        term = services.term_create(vocabulary=self.vocabulary, **self.parse())
        return self.respond(term, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.TermInputSerializer, responses=serializers.TermSerializer)
    def partial_update(self, request, vocabulary_code, code):
        term = self.get_object()
        return self.respond(services.term_update(term=term, changes=self.parse(partial=True)))

    def destroy(self, request, vocabulary_code, code):
        services.term_delete(term=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


TREE_FILTERS = [
    OpenApiParameter("tree", str, description="Only the categories of this tree (a root's code)."),
    OpenApiParameter("parent", str, description="Only the children of this category."),
]


@extend_schema_view(list=extend_schema(parameters=TREE_FILTERS))
class CategoryViewSet(CodeResourceViewSet):
    """Category trees, node by node. Pages follow the immutable code, not the tree order: a
    path changes whenever a subtree moves or a sibling is inserted, so a cursor on it could
    skip or repeat rows; `parent`, `tree` and `depth` rebuild the tree, siblings in code order.
    Deleting a category that has children is refused (422, `has_children`)."""

    serializer_class = serializers.CategorySerializer
    input_serializer_class = serializers.CategoryInputSerializer
    filterset_class = filters.CategoryFilterSet

    @cached_property
    def categories(self):
        """Built once per request: `tree` and `parent` cost a query to resolve, and the
        permission check asks for the queryset too."""
        params = self.request.query_params
        return selectors.category_list(
            tree=params.get("tree") or None, parent=params.get("parent") or None
        )

    def get_queryset(self):
        return self.categories.all()

    def fresh(self, category):
        return selectors.category_list().get(pk=category.pk)

    @extend_schema(
        request=serializers.CategoryInputSerializer, responses={201: serializers.CategorySerializer}
    )
    def create(self, request):
        data = self.parse()
        category = services.category_create(**data)
        return self.respond(self.fresh(category), status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.CategoryInputSerializer, responses=serializers.CategorySerializer
    )
    def partial_update(self, request, code):
        category = self.get_object()
        data = self.parse(partial=True)
        services.category_update(
            category=category,
            changes={k: v for k, v in data.items() if k != "parent"},
            parent=data.get("parent", ...),
        )
        return self.respond(self.fresh(category))

    def destroy(self, request, code):
        services.category_delete(category=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryTreeViewSet(CodeResourceViewSet):
    """The category trees: their roots, read-only (create a root through `categories`)."""

    queryset = selectors.category_tree_list()
    serializer_class = serializers.CategorySerializer
    filterset_class = filters.CategoryFilterSet
    http_method_names = ["get", "head", "options"]


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale_version"
    default_detail = "The resource changed since you read it: read it again (If-Match)."


def if_match(request, etag: str) -> None:
    """A write that names versions it read must name the current one (412 otherwise)."""
    header = request.headers.get("If-Match")
    tags = [t.strip().removeprefix("W/") for t in header.split(",")] if header else []
    if header and header.strip() != "*" and etag not in tags:
        raise PreconditionFailed()


class InUse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "in_use"
    default_detail = "Still in use: remove what refers to it first."


def json_object(data) -> dict:
    """The request body, which must be a JSON object (a list or a scalar is a 422)."""
    if not isinstance(data, dict):
        raise DjangoValidationError(
            {"__all__": DjangoValidationError("Expected a JSON object.", code="invalid")}
        )
    return data


class SavedByServiceViewSet(CodeResourceViewSet):
    """Reference data whose create and change go through one `*_save(code, changes, instance)`."""

    service = None  # set by subclasses, as staticmethod(the service)
    instance_argument = ""
    delete_service = None  # staticmethod(service(instance=…)) where deletes are audited

    def parse(self, *, partial=False):
        return json_object(self.request.data)

    def create(self, request):
        data = dict(self.parse())
        code = data.pop("code", None)
        if not isinstance(code, str):
            raise DjangoValidationError(
                {"code": DjangoValidationError("A code is required.", code="required")}
            )
        instance = type(self).service(code=code, changes=data)
        return self.respond(self.get_queryset().get(pk=instance.pk), status.HTTP_201_CREATED)

    def partial_update(self, request, code):
        instance = self.get_object()
        data = dict(self.parse())
        if data.pop("code", instance.code) != instance.code:
            raise DjangoValidationError(
                {"code": DjangoValidationError("This field cannot be changed.", code="read_only")}
            )
        type(self).service(code=instance.code, changes=data, **{self.instance_argument: instance})
        return self.respond(self.get_queryset().get(pk=instance.pk))

    def destroy(self, request, code):
        instance = self.get_object()
        try:
            if type(self).delete_service is not None:
                type(self).delete_service(instance=instance)
            else:
                instance.delete()
        except (ProtectedError, RestrictedError):
            raise InUse() from None
        return Response(status=status.HTTP_204_NO_CONTENT)
