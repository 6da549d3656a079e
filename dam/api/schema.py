"""Shapes of the asset actions' answers that are not a model serializer, for the OpenAPI schema."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers

from dam.api.serializers import AssetSerializer, UsageRightSerializer, VersionSerializer

RENDITIONS = inline_serializer(
    "AssetRendition",
    many=True,
    fields={
        "profile": serializers.CharField(),
        "status": serializers.CharField(),
        "error": serializers.CharField(),
        "width": serializers.IntegerField(allow_null=True),
        "height": serializers.IntegerField(allow_null=True),
        "size": serializers.IntegerField(allow_null=True),
        "mime": serializers.CharField(),
        "url": serializers.URLField(),
    },
)
DUPLICATES = inline_serializer(
    "AssetDuplicate",
    many=True,
    fields={
        "uuid": serializers.UUIDField(),
        "code": serializers.CharField(),
        "distance": serializers.IntegerField(),
    },
)

versions = [
    extend_schema(methods=["GET"], request=None, responses=VersionSerializer(many=True)),
    extend_schema(methods=["POST"], responses={201: AssetSerializer}),
]
rights = [
    extend_schema(methods=["GET"], request=None, responses=UsageRightSerializer(many=True)),
    extend_schema(
        methods=["POST"], request=UsageRightSerializer, responses={201: UsageRightSerializer}
    ),
]
renditions = [
    extend_schema(methods=["GET"], request=None, responses=RENDITIONS),
    extend_schema(
        methods=["POST"],
        request=inline_serializer("RenditionRequest", {"profile": serializers.CharField()}),
        responses={201: RENDITIONS, 200: RENDITIONS},
    ),
]
duplicates = extend_schema(responses=DUPLICATES)


def apply(decorators):
    """Stack several extend_schema decorators (one per method) on one action."""

    def wrap(func):
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return wrap
