"""Telling people what waits for them: an in-app notification row and an email through
Django's email backend, sent once the transaction that caused it commits."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.models import Notification

logger = logging.getLogger(__name__)


def reviewers(*, spec, obj, exclude_user_id=None) -> list:
    """Active people who could approve this object: holders of the approve permission (through
    a role or directly) whose scope covers it, and superusers."""
    app_label, codename = spec.permission("approve").split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    holders = Q(is_superuser=True)
    if permission is not None:
        holders |= Q(groups__permissions=permission) | Q(user_permissions=permission)
    candidates = get_user_model().objects.filter(holders, is_active=True).distinct()
    if exclude_user_id is not None:
        candidates = candidates.exclude(pk=exclude_user_id)
    return [user for user in candidates.order_by("pk") if spec.allows(user, "approve", obj)]


def _notify(recipients, *, obj, verb: str, message: str, subject: str) -> list[Notification]:
    content_type = ContentType.objects.get_for_model(type(obj))
    rows = Notification.objects.bulk_create(
        [
            Notification(
                content_type=content_type,
                object_id=obj.pk,
                object_repr=str(obj)[:255],
                recipient=user,
                verb=verb,
                message=message[:500],
            )
            for user in recipients
        ]
    )
    addresses = [user.email for user in recipients if user.email]
    if addresses:
        # After commit: nobody hears of a change that was rolled back. robust: a mail server
        # that is down is logged, it does not fail the request that already committed.
        transaction.on_commit(lambda: _send(subject, message, addresses), robust=True)
    return rows


def _send(subject: str, message: str, addresses: list[str]) -> None:
    for address in addresses:  # one mail each: recipients do not see one another
        send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, [address])


def notify_reviewers(*, spec, obj, submitter) -> list[Notification]:
    """Tell everyone who could approve `obj` that it waits for review."""
    recipients = reviewers(spec=spec, obj=obj, exclude_user_id=submitter.user_id)
    kind = spec.object_type.replace("_", " ")
    message = f"{kind.capitalize()} {obj} was submitted for review by {submitter.label}."
    return _notify(
        recipients,
        obj=obj,
        verb="review_requested",
        message=message,
        subject=f"[Tessera] Review requested: {kind} {obj}",
    )


def reviews_settled(*, obj) -> int:
    """Once an item leaves review, the requests to review it are done for everyone: they are
    marked read so reviewers' unread lists hold only what still waits."""
    return Notification.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        verb="review_requested",
        read_at__isnull=True,
    ).update(read_at=timezone.now())


def notify_rejection(*, obj, recipient_id: int, record) -> list[Notification]:
    """Tell the submitter why their item went back to draft."""
    recipient = get_user_model().objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None:
        return []
    message = f"{obj} was rejected by {record.actor_label}: {record.comment}"
    return _notify(
        [recipient],
        obj=obj,
        verb="rejected",
        message=message,
        subject=f"[Tessera] Rejected: {obj}",
    )


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark a notification read (once: reading it again keeps the first time)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
