"""Reference-data endpoints. Views parse and serialize; services decide."""

from drf_spectacular.utils import extend_schema
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


class LocaleViewSet(CodeResourceViewSet):
    queryset = selectors.locale_list()
    serializer_class = serializers.LocaleSerializer
    input_serializer_class = serializers.LocaleInputSerializer
    filterset_class = filters.LocaleFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]  # deactivate, never delete

    @extend_schema(
        request=serializers.LocaleInputSerializer, responses={201: serializers.LocaleSerializer}
    )
    def create(self, request):
        return self.respond(services.locale_create(**self.parse()), status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.LocaleInputSerializer, responses=serializers.LocaleSerializer
    )
    def partial_update(self, request, code):
        locale = self.get_object()
        return self.respond(services.locale_update(locale=locale, changes=self.parse(partial=True)))


class CurrencyViewSet(CodeResourceViewSet):
    queryset = selectors.currency_list()
    serializer_class = serializers.CurrencySerializer
    input_serializer_class = serializers.CurrencyInputSerializer
    filterset_class = filters.CurrencyFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(
        request=serializers.CurrencyInputSerializer, responses={201: serializers.CurrencySerializer}
    )
    def create(self, request):
        return self.respond(services.currency_create(**self.parse()), status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.CurrencyInputSerializer, responses=serializers.CurrencySerializer
    )
    def partial_update(self, request, code):
        currency = self.get_object()
        return self.respond(
            services.currency_update(currency=currency, changes=self.parse(partial=True))
        )


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
