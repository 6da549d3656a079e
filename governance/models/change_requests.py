"""Change requests: on a governed vocabulary or category tree, adding, renaming, merging or
deprecating an entry is proposed here and applied only when a Metadata Manager approves."""

from django.conf import settings
from django.db import models

from governance.models.reference import Category, Vocabulary


class ChangeKind(models.TextChoices):
    ADD = "add"
    RENAME = "rename"
    MERGE = "merge"
    DEPRECATE = "deprecate"


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending"
    APPLIED = "applied"
    REJECTED = "rejected"


class ChangeRequest(models.Model):
    """One proposed change to a governed vocabulary (terms) or category tree (categories).

    `payload` by kind: add {code, labels, parent (categories)}, rename {code, labels},
    merge {sources: [codes], target: code}, deprecate {code}."""

    vocabulary = models.ForeignKey(
        Vocabulary, null=True, blank=True, on_delete=models.CASCADE, related_name="change_requests"
    )
    category_tree = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="change_requests"
    )
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    payload = models.JSONField(default=dict)
    reason = models.TextField(blank=True)
    status = models.CharField(
        max_length=10,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("approve_changerequest", "Can approve or reject change requests")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vocabulary__isnull=False, category_tree__isnull=True)
                | models.Q(vocabulary__isnull=True, category_tree__isnull=False),
                name="gov_change_request_one_target",
            )
        ]

    def __str__(self):
        target = self.vocabulary or self.category_tree
        return f"{self.kind} in {target} ({self.status})"
