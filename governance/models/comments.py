"""People's discussion of an object (a product, an asset…): plain-text comments, newest last.
Objects are referenced generically (content type + id): governance knows no pim or dam model."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

COMMENT_MAX_LENGTH = 2000


class Comment(models.Model):
    """One person's remark on one object."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    # Comments outlive a deleted account as "someone"; the audit trail keeps who it was.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="gov_comment_obj")
        ]

    def __str__(self):
        return f"Comment {self.pk} on {self.content_type_id}:{self.object_id}"
