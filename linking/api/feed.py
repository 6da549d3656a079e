"""API: the channel feed (stored documents, paged by cursor, conditional GET) and a product's
media readiness. Configuration endpoints (requirements, placeholders, policies): media_config.

Who reads the feed: any principal with `pim.view_product` that may see the channel (a
channel-restricted API key only its own: another channel answers 404). People's category scopes
do not narrow it: a feed is what the channel publishes, and it holds only the channel's tree.
"""

import hashlib
import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.models import Channel
from governance.moments import parse_aware
from governance.policies import channel_visible, check_channel, key_channel
from linking.api import media_config
from linking.selectors import feed
from linking.selectors.readiness import product_readiness
from linking.services.document_build import document_etag
from pim.models import Product
from pim.policies import product_policy
from pim.services.products import sku_key

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Documents change whenever a product is re-approved or its media changes: caches revalidate
# every time (a 304 costs one query), and only the caller's own cache may keep a page.
CACHE_CONTROL = "private, max-age=0, must-revalidate"


class InvalidParameter(exceptions.APIException):
    """A query parameter that cannot be used: 400 naming the parameter and what is wrong."""

    status_code = 400
    default_code = "invalid_parameter"

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message, code="invalid_parameter")
        self.errors = [{"field": field, "code": code, "message": message}]


class CanReadProducts(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("pim.view_product"))


def _quoted(digest: str) -> str:
    return f'"{digest}"'


def _conditional(request, etag: str, body: bytes | None) -> HttpResponse:
    """200 with the body, or 304 when the client holds this ETag already."""
    if etag in _client_etags(request):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ("Authorization", "Cookie"))
    return response


def _client_etags(request) -> set[str]:
    header = request.headers.get("If-None-Match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


class FeedView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanReadProducts]

    def channel_and_locale(self, request, code: str) -> tuple[int, int, str]:
        """(channel id, locale id, locale code) of the request, or a 404 / 400 saying why."""
        found = feed.feed_channel(code, channel_visible(request.user, Channel.objects.all()))
        if found is None:
            raise exceptions.NotFound("No such channel.")
        channel_id, locales = found
        locale = request.query_params.get("locale")
        if locale is None:
            if len(locales) != 1:
                raise InvalidParameter(
                    "locale",
                    "locale_required",
                    f"Name a locale: {code} publishes {', '.join(sorted(locales)) or 'none'}.",
                )
            locale = next(iter(locales))
        if locale not in locales:
            raise InvalidParameter(
                "locale",
                "unknown_locale",
                f"{code} does not publish {locale!r}; it publishes "
                f"{', '.join(sorted(locales)) or 'no locale'}.",
            )
        return channel_id, locales[locale], locale


class ChannelFeedView(FeedView):
    """A channel's publishable products in a locale: the stored documents, oldest change first."""

    @extend_schema(
        operation_id="channel_products_list",
        parameters=[
            OpenApiParameter("locale", str, description="Required unless the channel has one."),
            OpenApiParameter("updated_since", str, description="ISO 8601 with a time zone."),
            OpenApiParameter("limit", int, description=f"1 to {MAX_LIMIT} (default 100)."),
            OpenApiParameter("cursor", str, description="From the previous page's `next`."),
        ],
        responses={200: dict},
    )
    def get(self, request, channel):
        channel_id, locale_id, locale = self.channel_and_locale(request, channel)
        params = request.query_params
        limit = self._limit(params.get("limit"))
        since = None
        if "updated_since" in params:
            since = parse_aware(params["updated_since"])
            if since is None:
                raise InvalidParameter(
                    "updated_since",
                    "invalid_datetime",
                    "Expected an ISO 8601 date-time with a time zone, e.g. 2026-01-31T08:00:00Z.",
                )
        after = None
        if params.get("cursor"):
            after = feed.decode_cursor(params["cursor"])
            if after is None:
                raise InvalidParameter(
                    "cursor", "invalid_cursor", "This cursor is not one this feed gave out."
                )
        rows = feed.feed_page(
            channel_id=channel_id, locale_id=locale_id, after=after, since=since, limit=limit
        )
        more = len(rows) > limit
        rows = rows[:limit]
        now = timezone.now()
        texts, tags = [], []
        for row in rows:
            text = feed.current_text(row, now)
            texts.append(text)
            tags.append(row.etag if text is row.document else document_etag(text))
        next_url = None
        if more:
            query = params.copy()
            query["cursor"] = feed.encode_cursor(rows[-1])
            next_url = request.build_absolute_uri(request.path) + "?" + query.urlencode()
        digest = hashlib.blake2b(digest_size=16)
        digest.update(f"{channel}|{locale}|{limit}|{since}|{after}|{more}".encode())
        for tag in tags:
            digest.update(tag.encode())
        body = (
            '{"results":[' + ",".join(texts) + '],"next":' + json.dumps(next_url) + "}"
        ).encode()
        return _conditional(request, _quoted(digest.hexdigest()), body)

    @staticmethod
    def _limit(raw: str | None) -> int:
        if raw is None:
            return DEFAULT_LIMIT
        try:
            limit = int(raw)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidParameter(
                "limit", "invalid_limit", f"limit is a whole number from 1 to {MAX_LIMIT}."
            )
        return limit


class ChannelDocumentView(FeedView):
    """One product's document on a channel in a locale (404 when it is not published there)."""

    @extend_schema(
        operation_id="channel_products_retrieve",
        parameters=[OpenApiParameter("locale", str, description="Required unless one.")],
        responses={200: dict},
    )
    def get(self, request, channel, sku):
        channel_id, locale_id, _ = self.channel_and_locale(request, channel)
        row = feed.feed_document(channel_id=channel_id, locale_id=locale_id, sku_key=sku_key(sku))
        if row is None:
            raise exceptions.NotFound("This product is not published on this channel.")
        text = feed.current_text(row, timezone.now())
        etag = row.etag if text is row.document else document_etag(text)
        return _conditional(request, _quoted(etag), text.encode())


class ProductReadinessView(APIView):
    """A product's media readiness per channel × locale, computed now."""

    permission_classes = [permissions.IsAuthenticated, CanReadProducts]

    @extend_schema(
        operation_id="product_readiness",
        parameters=[
            OpenApiParameter("channel", str, description="One channel (default: all)."),
            OpenApiParameter("locale", str, description="One locale (default: all)."),
        ],
        responses={200: dict},
    )
    def get(self, request, sku):
        channel = request.query_params.get("channel") or None
        check_channel(request.user, channel)
        restricted = key_channel(request.user)
        channel = channel or (restricted.code if restricted else None)
        if channel is not None and not Channel.objects.filter(code=channel).exists():
            raise InvalidParameter(
                "channel", "unknown_channel", f"There is no channel {channel!r}."
            )
        product = get_object_or_404(
            product_policy.visible(request.user, Product.objects.select_related("family")),
            sku_key=sku_key(sku),
        )
        rows = product_readiness(
            product=product,
            channel=channel,
            locale=request.query_params.get("locale") or None,
            now=timezone.now(),
        )
        return Response({"sku": product.sku, "results": rows})


urlpatterns = [
    path("channels/<str:channel>/products", ChannelFeedView.as_view(), name="channel-feed"),
    path(
        "channels/<str:channel>/products/<str:sku>",
        ChannelDocumentView.as_view(),
        name="channel-feed-document",
    ),
    path("products/<str:sku>/readiness", ProductReadinessView.as_view(), name="product-readiness"),
    *media_config.urlpatterns,
]
