"""/api-keys: administrators create, rename, rotate and revoke integration keys. A request made
with a key may never manage keys, whatever the key's role."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance import api_keys
from governance.api import api_key_serializers as serializers
from governance.audit import current_user
from governance.models import ApiKey

REQUIRED = {
    "list": ["governance.view_apikey"],
    "retrieve": ["governance.view_apikey"],
    "create": ["governance.add_apikey"],
    "partial_update": ["governance.change_apikey"],
    "rotate": ["governance.add_apikey", "governance.change_apikey"],
    "revoke": ["governance.change_apikey"],
}


class ManagesApiKeys(permissions.BasePermission):
    """A person (never a key) holding the action's API-key permissions."""

    message = "API keys are managed by administrators, and never with an API key."

    def has_permission(self, request, view):
        if isinstance(request.auth, ApiKey):
            return False
        needed = REQUIRED.get(view.action, ["governance.change_apikey"])
        return bool(request.user and request.user.has_perms(needed))


class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Keys addressed by their prefix. Create and rotate answer the key itself, once."""

    queryset = api_keys.api_key_list()
    serializer_class = serializers.ApiKeySerializer
    permission_classes = [permissions.IsAuthenticated, ManagesApiKeys]
    lookup_field = "prefix"
    lookup_value_regex = "[a-z0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def parse(self, serializer_class, *, partial=False) -> dict:
        data = serializer_class(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def present(self, key, status_code=status.HTTP_200_OK, *, plaintext=None):
        fresh = api_keys.api_key_list().get(pk=key.pk)
        if plaintext is None:
            return Response(serializers.ApiKeySerializer(fresh).data, status=status_code)
        fresh.plaintext = plaintext
        return Response(serializers.ApiKeyCreatedSerializer(fresh).data, status=status_code)

    @extend_schema(
        request=serializers.ApiKeyInputSerializer,
        responses={201: serializers.ApiKeyCreatedSerializer},
    )
    def create(self, request):
        key, plaintext = api_keys.api_key_create(
            **self.parse(serializers.ApiKeyInputSerializer), created_by=current_user()
        )
        return self.present(key, status.HTTP_201_CREATED, plaintext=plaintext)

    @extend_schema(
        request=serializers.ApiKeyUpdateInputSerializer, responses=serializers.ApiKeySerializer
    )
    def partial_update(self, request, prefix):
        key = api_keys.api_key_update(
            key=self.get_object(),
            changes=dict(self.parse(serializers.ApiKeyUpdateInputSerializer, partial=True)),
        )
        return self.present(key)

    @extend_schema(
        request=serializers.ApiKeyRotateInputSerializer,
        responses={201: serializers.ApiKeyCreatedSerializer},
    )
    @action(detail=True, methods=["post"])
    def rotate(self, request, prefix):
        """A new key with the same settings; the old one works until `old_valid_until`."""
        new, plaintext = api_keys.api_key_rotate(
            key=self.get_object(), **self.parse(serializers.ApiKeyRotateInputSerializer)
        )
        return self.present(new, status.HTTP_201_CREATED, plaintext=plaintext)

    @extend_schema(request=None, responses=serializers.ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, prefix):
        """Stop the key from working, now (revoking twice changes nothing)."""
        return self.present(api_keys.api_key_revoke(key=self.get_object()))
