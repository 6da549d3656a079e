"""Workflow endpoints shared by every model under the workflow (pim and dam subclass
`TransitionViewSet` with their model, policy and identifier), and the user's notifications.

Status codes: an object the user may not see answers 404; a user whose role lacks the
transition's permission 403; a refused transition 422 listing every reason."""

from django.shortcuts import get_object_or_404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance import notifications, workflow
from governance.api.pagination import IdCursorPagination
from governance.api.serializers import StrictInputSerializer
from governance.models import Notification


class TransitionInputSerializer(StrictInputSerializer):
    action = serializers.ChoiceField(choices=workflow.ACTION_CHOICES)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class BulkTransitionInputSerializer(TransitionInputSerializer):
    items = serializers.ListField(
        child=serializers.CharField(max_length=255),
        min_length=1,
        max_length=workflow.MAX_BULK_ITEMS,
    )


class TransitionSerializer(serializers.Serializer):
    """One line of an object's transition log."""

    action = serializers.SerializerMethodField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    comment = serializers.CharField()
    request_id = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_action(self, record) -> str:
        return workflow.action_of(record)


class ItemReportSerializer(serializers.Serializer):
    """One item of a bulk transition: `state` when it moved, `errors` when refused. The
    identifier field is named as in the URL (sku, code, uuid)."""

    ok = serializers.BooleanField()
    state = serializers.CharField(required=False)
    errors = serializers.ListField(child=serializers.DictField(), required=False)


class MovedSerializer(serializers.Serializer):
    previous_state = serializers.CharField()
    state = serializers.CharField()
    version = serializers.IntegerField()


class SnapshotSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    approved_at = serializers.DateTimeField()
    approved_by = serializers.CharField(allow_null=True)
    payload = serializers.DictField()


class TransitionSchema(AutoSchema):
    """Operation ids by model and action: the item and bulk routes would otherwise collide."""

    def get_operation_id(self):
        model = self.view.model._meta.model_name
        return f"{model}_{self.view.action}_{self.method.lower()}"


class TransitionViewSet(viewsets.ViewSet):
    """POST {ref}/transitions moves one object; GET lists its log; POST transitions moves many
    (a report per item); GET {ref}/snapshot is what channels see of it."""

    permission_classes = [permissions.IsAuthenticated]
    schema = TransitionSchema()
    model = None  # set by subclasses
    policy = None  # the app's policy object: visible() and allows()
    ref_name = "code"  # the identifier in URLs and reports

    def visible(self):
        return self.policy.visible(self.request.user, self.model._default_manager.all())

    def find_many(self, refs: list[str]) -> dict:
        """{ref as given: object} for the refs the user can see."""
        rows = self.visible().filter(**{f"{self.ref_name}__in": refs})
        return {str(getattr(row, self.ref_name)): row for row in rows}

    def get_object(self, ref: str):
        found = self.find_many([ref])
        if ref not in found:
            raise exceptions.NotFound()
        return found[ref]

    def require_permission(self, action_name: str) -> None:
        spec = workflow.spec_for(self.model)
        permission = spec.permission(workflow.TRANSITIONS[action_name].verb)
        if not self.request.user.has_perm(permission):
            raise exceptions.PermissionDenied(f"You do not have the permission {permission}.")

    def _ref(self, kwargs) -> str:
        return kwargs[self.ref_name]

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=TransitionSerializer(many=True),
        description="The log, newest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=TransitionInputSerializer,
        responses={200: MovedSerializer},
        description="One move.",
    )
    def transitions(self, request, **kwargs):
        obj = self.get_object(self._ref(kwargs))
        if request.method == "GET":
            log = workflow.transitions_of(obj)
            return Response(TransitionSerializer(log, many=True).data)
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.require_permission(data.validated_data["action"])
        previous = obj.workflow_state
        workflow.transition(
            obj=obj, action=data.validated_data["action"], comment=data.validated_data["comment"]
        )
        return Response(
            {
                self.ref_name: self._ref(kwargs),
                "previous_state": previous,
                "state": obj.workflow_state,
                "version": obj.version,
            }
        )

    @extend_schema(request=BulkTransitionInputSerializer, responses=ItemReportSerializer(many=True))
    def bulk(self, request):
        data = BulkTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action_name, refs = data.validated_data["action"], data.validated_data["items"]
        self.require_permission(action_name)
        refs = list(dict.fromkeys(refs))
        found = self.find_many(refs)
        reports = workflow.transition_many(
            objects=[found[ref] for ref in refs if ref in found],
            action=action_name,
            comment=data.validated_data["comment"],
        )
        by_pk = {report.obj.pk: report for report in reports}
        results = []
        for ref in refs:
            if ref not in found:
                error = {"field": None, "code": "not_found", "message": "No such item."}
                results.append({self.ref_name: ref, "ok": False, "errors": [error]})
                continue
            report = by_pk[found[ref].pk]
            if report.ok:
                results.append({self.ref_name: ref, "ok": True, "state": report.state})
            else:
                results.append({self.ref_name: ref, "ok": False, "errors": report.errors})
        return Response(results)

    @extend_schema(responses=SnapshotSerializer)
    def snapshot(self, request, **kwargs):
        snapshot = workflow.snapshot_of(self.get_object(self._ref(kwargs)))
        if snapshot is None:
            raise exceptions.NotFound("Not approved: nothing is published.")
        return Response(
            {
                "revision": snapshot.revision,
                "approved_at": snapshot.approved_at.isoformat(),
                "approved_by": snapshot.approved_by.get_username()
                if snapshot.approved_by_id
                else None,
                "payload": snapshot.payload,
            }
        )


class NotificationSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "verb", "message", "object_type", "object_repr", "created_at", "read_at"]

    def get_object_type(self, notification) -> str:
        content_type = notification.content_type
        return f"{content_type.app_label}.{content_type.model}"


class NotificationPagination(IdCursorPagination):
    ordering = "-id"


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The user's own notifications, newest first; `?unread=true` for the unread ones."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination
    lookup_value_regex = r"\d+"  # an id; anything else is a 404, not a query error
    queryset = Notification.objects.none()  # for the schema; see get_queryset

    def get_queryset(self):
        user = self.request.user
        if getattr(user, "pk", None) is None:  # API keys have no inbox
            return Notification.objects.none()
        rows = Notification.objects.filter(recipient=user).select_related("content_type")
        if self.request.query_params.get("unread") in ("true", "1"):
            rows = rows.filter(read_at__isnull=True)
        return rows

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        notification = notifications.notification_mark_read(notification=notification)
        return Response(NotificationSerializer(notification).data)


def bulk_or_item(bulk_view, item_view, ref_name: str):
    """`POST <collection>/transitions` is the bulk endpoint; any other method there reaches the
    item whose identifier is "transitions", so no SKU or code is shadowed by the route."""

    def view(request, *args, **kwargs):
        if request.method == "POST":
            return bulk_view(request)
        return item_view(request, **{ref_name: "transitions"})

    view.csrf_exempt = True  # both are DRF views, which enforce CSRF for session users
    # The schema generator (and anyone inspecting routes) sees the bulk endpoint.
    view.cls, view.initkwargs, view.actions = (
        bulk_view.cls,
        bulk_view.initkwargs,
        bulk_view.actions,
    )
    return view
