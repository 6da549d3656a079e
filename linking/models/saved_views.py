"""Saved views of a workbench list: a person's named query string, kept across sessions and
devices (the session is not durable and localStorage is per browser)."""

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """One person's named filters, sort and columns of a workbench list (`page`: "products")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    page = models.CharField(max_length=50)
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        default_permissions = ()  # each person manages only their own views: no role grants
        constraints = [
            models.UniqueConstraint(
                fields=["user", "page", "name"], name="linking_saved_view_unique"
            )
        ]

    def __str__(self):
        return self.name
