"""Reads of the channel feed: pages of stored documents in (updated_at, id) order, and the
request-time withdrawal of media whose usage right has ended since the document was built."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime

from linking.models import ChannelDocument
from linking.services.document_build import dumps


@dataclass(frozen=True)
class FeedRow:
    id: int
    updated_at: datetime | str  # as the database wrote it: only a page's last row is parsed
    document: str
    etag: str
    media_expires_at: datetime | None


# updated_at comes as text: parsing a thousand timestamps would cost more than the page.
FIELDS = ("id", Cast("updated_at", TextField()), "document", "etag", "media_expires_at")


def _moment(value: datetime | str) -> datetime:
    moment = value if isinstance(value, datetime) else parse_datetime(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def encode_cursor(row: FeedRow) -> str:
    """Opaque to clients: where the next page starts (after this row)."""
    raw = f"{_moment(row.updated_at).isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """(updated_at, id) of the row a page starts after; None if the cursor is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, row_id = raw.partition("|")
        updated_at = parse_datetime(moment)
        if updated_at is None or updated_at.tzinfo is None:
            return None
        return updated_at, int(row_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def feed_channel(code: str, user_channels) -> tuple[int, dict[str, int]] | None:
    """The id of the channel (among the user's visible channels) and its locales' ids by code;
    one query."""
    rows = list(user_channels.filter(code=code).values_list("pk", "locales__code", "locales__pk"))
    if not rows:
        return None
    return rows[0][0], {locale: pk for _, locale, pk in rows if locale is not None}


def feed_page(
    *,
    channel_id: int,
    locale_id: int,
    after: tuple[datetime, int] | None,
    since: datetime | None,
    limit: int,
) -> list[FeedRow]:
    """Up to `limit` + 1 documents (the extra one says there is a next page), in (updated_at,
    id) order. One query: the (channel, locale, updated_at, id) index gives the range start
    (`updated_at >= …`), so page 10,000 costs what page 1 does."""
    rows = ChannelDocument.objects.filter(channel_id=channel_id, locale_id=locale_id)
    if since is not None:
        rows = rows.filter(updated_at__gte=since)
    if after is not None:
        moment, row_id = after
        rows = rows.filter(updated_at__gte=moment).filter(
            Q(updated_at__gt=moment) | Q(id__gt=row_id)
        )
    rows = rows.order_by("updated_at", "id").values_list(*FIELDS)[: limit + 1]
    return [FeedRow(*row) for row in rows]


def feed_document(*, channel_id: int, locale_id: int, sku_key: str) -> FeedRow | None:
    row = (
        ChannelDocument.objects.filter(
            channel_id=channel_id, locale_id=locale_id, product__sku_key=sku_key
        )
        .values_list(*FIELDS)
        .first()
    )
    return FeedRow(*row) if row else None


def _ended(moment: str | None, now: datetime) -> bool:
    if not moment:
        return False
    ends = parse_datetime(moment)
    return ends is not None and ends <= now


def current_text(row: FeedRow, now: datetime) -> str:
    """The document as it may be served now: as stored, unless a manifest asset's right has
    ended since it was built — then without that asset, its readiness lowered and the reason
    listed (the hourly sweep stores the same)."""
    if row.media_expires_at is None or row.media_expires_at > now:
        return row.document
    document = json.loads(row.document)
    readiness = document["media_readiness"]
    media = {}
    for role, items in document["media"].items():
        kept = []
        for item in items:
            if _ended(item.get("usable_until"), now):
                readiness["missing"].append(
                    {
                        "role": role,
                        "code": "rights_invalid",
                        "message": f"{role}: asset {item['asset']} may no longer be used: "
                        f"its usage right ended {item['usable_until']}.",
                        "asset": item["asset"],
                    }
                )
            else:
                kept.append(item)
        if kept:
            media[role] = kept
    document["media"] = media
    required = readiness.get("required_roles") or {}
    ready = sum(
        min(minimum, sum(bool(item.get("ready")) for item in media.get(role, [])))
        for role, minimum in required.items()
    )
    readiness["ready"] = ready
    readiness["score"] = 100 if not readiness["required"] else ready * 100 // readiness["required"]
    return dumps(document)
