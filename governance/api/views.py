"""Reference-data endpoints. Views parse and serialize; services decide."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response

from governance import selectors, services
from governance.api import filters, serializers
from governance.api.pagination import CodeCursorPagination


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
        services.channel_update(
            channel=channel,
            changes={k: v for k, v in data.items() if k not in ("locales", "currencies")},
            locales=data.get("locales"),
            currencies=data.get("currencies"),
        )
        return self.respond(selectors.channel_list().get(pk=channel.pk))

    def destroy(self, request, code):
        services.channel_delete(channel=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
