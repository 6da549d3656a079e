"""API: the change feed, `GET /api/v1/events?after=<cursor>`: the published domain events in
publication order, for integrations that pull instead of receiving webhooks.

Readers: administrators (people holding `governance.view_event`) and API keys. A key restricted
to a channel reads only that channel's events (naming another channel is 403, as everywhere
else a restricted key names a channel not its own); keys never see `governance.api_key.*`.
A malformed parameter is 400 problem+json naming it.
"""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.models import Channel
from governance.policies import api_key_of, check_channel, key_channel
from linking.selectors.events import (
    HIDDEN_FROM_API_KEYS,
    change_feed,
    event_document,
    event_type_refusal,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_CURSOR = 2**63 - 1


class InvalidParameter(exceptions.APIException):
    """A query parameter that cannot be read: 400, with the parameter named in `errors`."""

    status_code = 400
    default_code = "invalid_parameter"

    def __init__(self, field: str, message: str, code: str = "invalid"):
        super().__init__(f"{field}: {message}", code="invalid_parameter")
        self.errors = [{"field": field, "code": code, "message": message}]


class ReadsChangeFeed(permissions.BasePermission):
    message = "The change feed is read by administrators and API keys."

    def has_permission(self, request, view):
        user = request.user
        return api_key_of(user) is not None or user.has_perm("governance.view_event")


def _integer(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidParameter(name, f"Expected a whole number from {low} to {high}.")
    return int(raw)


def _types(params) -> list[str]:
    types = [t for t in (part.strip() for part in params.get("type", "").split(",")) if t]
    for value in types:
        refusal = event_type_refusal(value)
        if refusal:
            raise InvalidParameter("type", refusal, "unknown_event_type")
    return types


class ChangeFeedEventSerializer(serializers.Serializer):
    """An event as the feed shows it (the schema's word; the view writes the same dict)."""

    id = serializers.IntegerField(help_text="The event's sequence number.")
    type = serializers.CharField()
    key = serializers.CharField()
    object_type = serializers.CharField()
    object_ref = serializers.CharField()
    channel = serializers.CharField(allow_null=True)
    payload = serializers.JSONField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField()


class ChangeFeedPageSerializer(serializers.Serializer):
    results = ChangeFeedEventSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Pass as `after` for the next page.")
    has_more = serializers.BooleanField()


class ChangeFeedView(APIView):
    permission_classes = [permissions.IsAuthenticated, ReadsChangeFeed]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after", str, description="The `next_cursor` of the previous page (empty: start)."
            ),
            OpenApiParameter(
                "type", str, description="Event types or patterns, comma-separated (`dam.*`)."
            ),
            OpenApiParameter("channel", str, description="Only this channel's events."),
            OpenApiParameter("limit", int, description=f"1 to {MAX_LIMIT} (default 100)."),
        ],
        responses=ChangeFeedPageSerializer,
    )
    def get(self, request):
        """Published events after the cursor, in order; a page never skips an event a later
        page would return, and never repeats one."""
        params = request.query_params
        after = _integer(params, "after", 0, 0, MAX_CURSOR)
        limit = _integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        types = _types(params)
        channel = params.get("channel") or None
        check_channel(request.user, channel)
        restricted = key_channel(request.user)
        if restricted is not None:
            channel = restricted.code
        elif channel is not None and not Channel.objects.filter(code=channel).exists():
            raise InvalidParameter("channel", f"No channel {channel!r}.", "unknown_channel")
        is_key = api_key_of(request.user) is not None
        rows = change_feed(
            after=after,
            limit=limit + 1,
            types=types,
            channel=channel,
            hidden_prefixes=HIDDEN_FROM_API_KEYS if is_key else (),
        )
        page = rows[:limit]
        return Response(
            {
                "results": [event_document(event) for event in page],
                "next_cursor": str(page[-1].sequence if page else after),
                "has_more": len(rows) > limit,
            }
        )


urlpatterns = [path("events", ChangeFeedView.as_view(), name="event-list")]
