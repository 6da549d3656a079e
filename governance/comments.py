"""Comments on any object: add and delete (audited on the commented object, with an event),
and the selector that lists them. Who may comment is the caller's policy question."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from governance.audit import audit_record, current_user
from governance.models import COMMENT_MAX_LENGTH, AuditAction, Comment
from governance.services import event_emit


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"text": [ValidationError(message, code=code)]})


def _event(name: str, comment: Comment, obj: models.Model) -> None:
    content_type = ContentType.objects.get_for_model(obj)
    event_emit(
        name=name,
        key=f"{name}:{comment.pk}",
        payload={
            "comment": comment.pk,
            "object_type": content_type.model,
            "object_id": obj.pk,
            "author": comment.author_id,
        },
        object_type=f"{content_type.app_label}.{content_type.model}",
        object_ref=str(obj.pk),
    )


@transaction.atomic
def comment_add(*, obj: models.Model, text: str) -> Comment:
    """Add the current user's plain-text comment to `obj`; audits it on `obj` and emits
    `governance.comment.added`."""
    text = (text or "").strip()
    if not text:
        raise _refuse("Write something before posting a comment.", "required")
    if len(text) > COMMENT_MAX_LENGTH:
        raise _refuse(
            f"A comment holds at most {COMMENT_MAX_LENGTH:,} characters (this one has "
            f"{len(text):,}).",
            "max_length",
        )
    comment = Comment.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        author=current_user(),
        text=text,
    )
    audit_record(obj=obj, action=AuditAction.COMMENT, changes={"comment": [None, text]})
    _event("governance.comment.added", comment, obj)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment) -> None:
    """Delete a comment (the caller checked it may); audits it on the commented object and
    emits `governance.comment.deleted`."""
    obj = comment.target
    if obj is not None:
        audit_record(obj=obj, action=AuditAction.COMMENT, changes={"comment": [comment.text, None]})
        _event("governance.comment.deleted", comment, obj)
    comment.delete()


def comments_for(obj: models.Model):
    """The object's comments, oldest first, with their authors (one query)."""
    return Comment.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("author")


def may_delete(user, comment: Comment) -> bool:
    """Authors delete their own comments; whoever holds delete_comment (administrators) any."""
    return (comment.author_id is not None and comment.author_id == user.pk) or user.has_perm(
        "governance.delete_comment"
    )
