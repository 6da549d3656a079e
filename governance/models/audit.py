"""The audit trail: one append-only record per create, update, delete, transition or restore."""

from django.conf import settings
from django.db import models

from governance.models.reference import FastJSONField
from governance.models.workflow import ObjectReference


class AppendOnly(Exception):
    """Audit records are never changed or deleted through the application."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("Audit records cannot be changed.")

    def delete(self):
        raise AppendOnly("Audit records cannot be deleted.")


class AuditAction(models.TextChoices):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    TRANSITION = "transition"
    RESTORE = "restore"
    COMMENT = "comment"  # a comment added to or removed from the object


class AuditRecord(ObjectReference):
    """Who changed what, when, through which request, and how (a field-level diff:
    `{"field": [old, new]}`, values as `values.<attribute>[<channel>|<locale>]`). `state` is the
    object's restorable state after the change, for objects that can be restored."""

    action = models.CharField(max_length=10, choices=AuditAction.choices)
    # Actors are kept by id and label without a database constraint: the record outlives them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    api_key = models.ForeignKey(
        "governance.ApiKey",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    changes = FastJSONField(default=dict, blank=True)
    state = FastJSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-id"], name="gov_audit_object")
        ]

    def __str__(self):
        return f"{self.action} {self.object_repr} by {self.actor_label or 'system'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit records cannot be deleted.")
