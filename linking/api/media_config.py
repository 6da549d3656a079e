"""API: media configuration — `/media-requirements` (a family's required roles per channel),
`/fallback-media` (a channel's placeholder per role) and `/channels/{code}/media-policy`.
Reading and writing need the model's permission for the method (view for GET): Metadata
Managers keep requirements and policies, Asset Librarians the placeholders."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.pagination import IdCursorPagination
from governance.api.permissions import ModelPermissionsWithView
from governance.api.views import json_object
from governance.models import Channel
from governance.policies import channel_visible
from linking.models import ChannelMediaPolicy, FallbackMedia, MediaRequirement
from linking.services import media_config as services


class MediaRequirementSerializer(serializers.ModelSerializer):
    family = serializers.SlugRelatedField(slug_field="code", read_only=True)
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = MediaRequirement
        fields = ["id", "family", "channel", "role", "minimum"]


class FallbackMediaSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)
    asset = serializers.SlugRelatedField(slug_field="uuid", read_only=True)

    class Meta:
        model = FallbackMedia
        fields = ["id", "channel", "role", "asset"]


class MediaPolicySerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ChannelMediaPolicy
        fields = ["channel", "counts_towards_completeness", "gates_approval"]


class ServiceBackedViewSet(viewsets.GenericViewSet):
    """List, read, create, change and delete through `save(changes=, <name>=)` and
    `delete(<name>=)` services; filters by channel (and family) codes."""

    permission_classes = [permissions.IsAuthenticated, ModelPermissionsWithView]
    pagination_class = IdCursorPagination
    instance_argument = ""

    def get_queryset(self):
        rows = self.queryset.select_related(*self.related)
        channels = channel_visible(self.request.user, Channel.objects.all())
        rows = rows.filter(channel__in=channels)
        for name in ("channel", "family"):
            if self.request.query_params.get(name):
                rows = rows.filter(**{f"{name}__code": self.request.query_params[name]})
        return rows.order_by("pk")

    def _respond(self, instance, status_code=status.HTTP_200_OK):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        instance = type(self).save(changes=dict(json_object(request.data)))
        return self._respond(instance, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        instance = self.get_object()
        changes = dict(json_object(request.data))
        type(self).save(changes=changes, **{self.instance_argument: instance})
        return self._respond(instance)

    def destroy(self, request, pk):
        type(self).delete(**{self.instance_argument: self.get_object()})
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaRequirementViewSet(ServiceBackedViewSet):
    queryset = MediaRequirement.objects.all()
    serializer_class = MediaRequirementSerializer
    related = ("family", "channel")
    instance_argument = "requirement"
    save = staticmethod(services.media_requirement_save)
    delete = staticmethod(services.media_requirement_delete)


class FallbackMediaViewSet(ServiceBackedViewSet):
    queryset = FallbackMedia.objects.all()
    serializer_class = FallbackMediaSerializer
    related = ("channel", "asset")
    instance_argument = "fallback"
    save = staticmethod(services.fallback_media_save)
    delete = staticmethod(services.fallback_media_delete)


class MediaPolicyView(APIView):
    """GET a channel's media policy (defaults when none is set); PUT replaces it."""

    permission_classes = [permissions.IsAuthenticated, ModelPermissionsWithView]
    queryset = ChannelMediaPolicy.objects.all()  # for ModelPermissionsWithView

    def _channel(self, code) -> Channel:
        return get_object_or_404(
            channel_visible(self.request.user, Channel.objects.all()), code=code
        )

    @extend_schema(responses=MediaPolicySerializer)
    def get(self, request, channel):
        row = self._channel(channel)
        policy = ChannelMediaPolicy.objects.filter(channel=row).first()
        return Response(MediaPolicySerializer(policy or ChannelMediaPolicy(channel=row)).data)

    @extend_schema(request=MediaPolicySerializer, responses=MediaPolicySerializer)
    def put(self, request, channel):
        row = self._channel(channel)
        changes = dict(json_object(request.data))
        changes.pop("channel", None)
        changes = {name: changes.get(name, False) for name in services.POLICY_FIELDS} | changes
        policy = services.media_policy_save(channel=row, changes=changes)
        return Response(MediaPolicySerializer(policy).data)


ITEM = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
urlpatterns = [
    path(
        "media-requirements",
        MediaRequirementViewSet.as_view({"get": "list", "post": "create"}),
        name="media-requirement-list",
    ),
    path(
        "media-requirements/<int:pk>",
        MediaRequirementViewSet.as_view(ITEM),
        name="media-requirement-detail",
    ),
    path(
        "fallback-media",
        FallbackMediaViewSet.as_view({"get": "list", "post": "create"}),
        name="fallback-media-list",
    ),
    path(
        "fallback-media/<int:pk>", FallbackMediaViewSet.as_view(ITEM), name="fallback-media-detail"
    ),
    path("channels/<str:channel>/media-policy", MediaPolicyView.as_view(), name="media-policy"),
]
