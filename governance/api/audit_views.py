"""The audit trail through the API: the shape of a record, the per-object history the apps
serve (`history_response`), and `GET /api/v1/audit` across objects for auditors."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, viewsets

from governance.api.pagination import IdCursorPagination
from governance.audit import actor_kind, history
from governance.models import AuditRecord


class AuditCursorPagination(IdCursorPagination):
    """Newest first."""

    ordering = "-id"


class AuditRecordSerializer(serializers.ModelSerializer):
    """One change: who (a person, an API key or the system), when, through which request, and
    the field-level diff `{"field": [old, new]}` (values as `values.<attribute>[<channel>|<locale>]`)."""

    # Plain text in the schema: an enum here would collide with other "action" choice sets.
    action = serializers.CharField(help_text="create, update, delete, transition or restore.")
    actor = serializers.CharField(source="actor_label")
    actor_kind = serializers.SerializerMethodField()
    api_key_prefix = serializers.SerializerMethodField()

    class Meta:
        model = AuditRecord
        fields = [
            "id",
            "action",
            "actor",
            "actor_kind",
            "api_key_prefix",
            "request_id",
            "created_at",
            "changes",
        ]

    def get_actor_kind(self, record) -> str:
        return actor_kind(record)

    def get_api_key_prefix(self, record) -> str | None:
        if not record.api_key_id:
            return None
        key = record.api_key  # selected with the record; gone if the key row was deleted
        return key.prefix if key is not None else record.actor_label.removeprefix("key:")


class AuditEntrySerializer(AuditRecordSerializer):
    """A record listed across objects: it names its object."""

    object_type = serializers.SerializerMethodField()

    class Meta(AuditRecordSerializer.Meta):
        fields = ["object_type", "object_id", "object_repr", *AuditRecordSerializer.Meta.fields]

    def get_object_type(self, record) -> str:
        content_type = ContentType.objects.get_for_id(record.content_type_id)
        return f"{content_type.app_label}.{content_type.model}"


class RestoreSerializer(serializers.Serializer):
    """The body of a restore: which revision to return to."""

    record = serializers.IntegerField(help_text="The id of an audit record of this object.")


def object_history(obj):
    """An object's records as the history endpoints list them."""
    return history(obj).select_related("api_key").defer("state")  # state is never served


def history_response(view, obj):
    """A page of `obj`'s history, newest first (for a view using `AuditCursorPagination`)."""
    page = view.paginate_queryset(object_history(obj))
    return view.get_paginated_response(AuditRecordSerializer(page, many=True).data)


class CanViewAudit(permissions.BasePermission):
    """Reading the trail across objects needs governance.view_auditrecord."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("governance.view_auditrecord"))


def _content_type(name: str) -> ContentType:
    """`product` or `pim.product` (a model name alone must name one model)."""
    app_label, _, model = name.lower().rpartition(".")
    matches = [
        m
        for m in apps.get_models()
        if m._meta.model_name == model and (not app_label or m._meta.app_label == app_label)
    ]
    if len(matches) != 1:
        message = f"{name!r} names no audited type." if not matches else f"{name!r} is ambiguous."
        raise ValidationError({"object_type": ValidationError(message, code="unknown")})
    return ContentType.objects.get_for_model(matches[0])


AUDIT_FILTERS = [
    OpenApiParameter("object_type", str, description="A model: `product` or `pim.product`."),
    OpenApiParameter("object_id", int, description="With object_type: one object's records."),
    OpenApiParameter("actor", str, description="A username, or an API key's prefix."),
    OpenApiParameter("action", str, description="create, update, delete, transition, restore."),
    OpenApiParameter("request_id", str, description="The X-Request-ID of the request."),
]


@extend_schema(parameters=AUDIT_FILTERS)
class AuditRecordViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every audit record, newest first, filtered by object, actor, action or request."""

    permission_classes = [permissions.IsAuthenticated, CanViewAudit]
    serializer_class = AuditEntrySerializer
    pagination_class = AuditCursorPagination
    queryset = AuditRecord.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        records = AuditRecord.objects.select_related("api_key").defer("state")
        if params.get("object_type"):
            records = records.filter(content_type=_content_type(params["object_type"]))
        if params.get("object_id"):
            if not params["object_id"].isdigit():
                raise ValidationError(
                    {"object_id": ValidationError("A whole number.", code="invalid")}
                )
            if not params.get("object_type"):
                raise ValidationError(
                    {
                        "object_type": ValidationError(
                            "Name the object's type with its id.", code="required"
                        )
                    }
                )
            records = records.filter(object_id=int(params["object_id"]))
        if params.get("actor"):
            actor = params["actor"]
            records = records.filter(actor_label__in=[actor, f"key:{actor}"])
        if params.get("action"):
            records = records.filter(action=params["action"])
        if params.get("request_id"):
            records = records.filter(request_id=params["request_id"])
        return records


def require_permission(request, permission: str) -> None:
    """403 unless the principal holds `permission` (checked before looking the object up, so
    a reader without it learns nothing about which objects exist)."""
    if not request.user.has_perm(permission):
        raise exceptions.PermissionDenied()
