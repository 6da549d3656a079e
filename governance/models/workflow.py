"""The approval workflow's records: the transition log, the published snapshots channels read,
and the notifications reviewers get. Objects are referenced generically (content type + id):
governance knows no pim or dam model."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from governance.models.reference import FastJSONField, WorkflowState


class ObjectReference(models.Model):
    """A reference to any object: its type, id and how it read when referenced."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=255)
    target = GenericForeignKey("content_type", "object_id")

    class Meta:
        abstract = True


class WorkflowTransition(ObjectReference):
    """One move of one object between workflow states: who, when, from, to, why."""

    from_state = models.CharField(max_length=10, choices=WorkflowState.choices)
    to_state = models.CharField(max_length=10, choices=WorkflowState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(
        "governance.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    comment = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="gov_transition_obj")]

    def __str__(self):
        return f"{self.object_repr}: {self.from_state} → {self.to_state}"


class PublishedSnapshot(ObjectReference):
    """What channels see of an approved object, frozen at approval: later edits work on a new
    draft and change nothing here until approved again; retiring removes it."""

    revision = models.PositiveIntegerField(help_text="The object's version when approved.")
    payload = FastJSONField(default=dict)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="gov_snapshot_one_per_object"
            )
        ]

    def __str__(self):
        return f"{self.object_repr} r{self.revision}"


class Notification(ObjectReference):
    """Something a user should look at (an item waiting for review, a rejection)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(max_length=50)
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="gov_notification_unread")]

    def __str__(self):
        return self.message
