"""API: webhook subscriptions (`/webhooks`, addressed by uuid), their delivery log, secret
rotation and manual redelivery (`/webhook-deliveries/{message_id}/redeliver`).

Administrators only (the `linking.*_webhooksubscription` permissions), never an API key: an
endpoint receives every channel's events and makes Tessera call a URL of its owner's choice,
which a leaked integration key must not be able to set up.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from governance.api.pagination import IdCursorPagination
from governance.audit import current_user
from governance.policies import api_key_of
from linking.api import webhook_serializers as serializers
from linking.models import WebhookDelivery
from linking.selectors import webhooks as selectors
from linking.services import webhooks as services

VIEW, ADD = "linking.view_webhooksubscription", "linking.add_webhooksubscription"
CHANGE, DELETE = "linking.change_webhooksubscription", "linking.delete_webhooksubscription"
REQUIRED = {
    "list": [VIEW],
    "retrieve": [VIEW],
    "deliveries": [VIEW],
    "create": [ADD],
    "partial_update": [CHANGE],
    "destroy": [DELETE],
    "rotate_secret": [CHANGE],
    "redeliver": [CHANGE],
}


class ManagesWebhooks(permissions.BasePermission):
    """A person (never a key) holding the action's webhook permissions."""

    message = "Webhooks are managed by administrators, and never with an API key."

    def has_permission(self, request, view):
        if api_key_of(request.user) is not None:
            return False
        return request.user.has_perms(REQUIRED.get(view.action, [CHANGE]))


class NewestFirst(IdCursorPagination):
    ordering = "-pk"


def _parse(serializer_class, data, *, partial=False) -> dict:
    parsed = serializer_class(data=data, partial=partial)
    parsed.is_valid(raise_exception=True)
    return dict(parsed.validated_data)


class WebhookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Endpoints by uuid. Create and rotate-secret answer the secret, once."""

    queryset = selectors.webhook_list()
    serializer_class = serializers.WebhookSerializer
    permission_classes = [permissions.IsAuthenticated, ManagesWebhooks]
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _present(self, subscription, status_code=status.HTTP_200_OK, *, secret=None):
        fresh = selectors.webhook_list().get(pk=subscription.pk)
        if secret is None:
            return Response(serializers.WebhookSerializer(fresh).data, status=status_code)
        fresh.plaintext_secret = secret
        return Response(serializers.WebhookWithSecretSerializer(fresh).data, status=status_code)

    @extend_schema(
        request=serializers.WebhookInputSerializer,
        responses={201: serializers.WebhookWithSecretSerializer},
    )
    def create(self, request):
        subscription, secret = services.webhook_create(
            **_parse(serializers.WebhookInputSerializer, request.data), actor=current_user()
        )
        return self._present(subscription, status.HTTP_201_CREATED, secret=secret)

    @extend_schema(
        request=serializers.WebhookUpdateInputSerializer, responses=serializers.WebhookSerializer
    )
    def partial_update(self, request, uuid):
        changes = _parse(serializers.WebhookUpdateInputSerializer, request.data, partial=True)
        return self._present(
            services.webhook_update(subscription=self.get_object(), changes=changes)
        )

    def destroy(self, request, uuid):
        services.webhook_delete(subscription=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={201: serializers.WebhookWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request, uuid):
        """A new secret; the replaced one keeps signing beside it for 24 hours."""
        subscription, secret = services.webhook_rotate_secret(subscription=self.get_object())
        return self._present(subscription, status.HTTP_201_CREATED, secret=secret)

    @extend_schema(request=None, responses=serializers.DeliverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=NewestFirst)
    def deliveries(self, request, uuid):
        """The endpoint's deliveries, newest first, each with its attempts."""
        queryset = selectors.delivery_list(self.get_object())
        page = self.paginate_queryset(queryset)
        data = serializers.DeliverySerializer(page, many=True).data
        return self.get_paginated_response(data)


class WebhookDeliveryViewSet(viewsets.GenericViewSet):
    """A delivery by its `webhook-id`."""

    queryset = WebhookDelivery.objects.select_related("subscription", "event")
    serializer_class = serializers.DeliverySerializer
    permission_classes = [permissions.IsAuthenticated, ManagesWebhooks]
    lookup_field = "message_id"
    lookup_value_regex = "[A-Za-z0-9_]+"

    @extend_schema(request=None, responses={202: serializers.DeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, message_id):
        """Send it again now, with the same webhook-id, whatever became of it."""
        delivery = services.webhook_redeliver(delivery=self.get_object())
        fresh = selectors.delivery_list(delivery.subscription).get(pk=delivery.pk)
        return Response(serializers.DeliverySerializer(fresh).data, status=status.HTTP_202_ACCEPTED)


router = SimpleRouter(trailing_slash=False)
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
urlpatterns = router.urls
