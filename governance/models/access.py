"""Who may do what: API keys for integrations, and object permissions on category subtrees.

Roles are Django groups (see governance/roles.py); object permissions use guardian's direct
foreign keys, so deleting a category deletes its grants with it (no orphan rows)."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from governance.models.reference import Category, Channel


class CategoryUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Category, on_delete=models.CASCADE)


class CategoryGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Category, on_delete=models.CASCADE)


class ApiKeyScope(models.TextChoices):
    READ = "read"
    WRITE = "write", "Read and write"


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, at):
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at)
        )


class ApiKey(models.Model):
    """An integration's credential. Only `prefix` (shown, unique) and the SHA-256 of the whole
    key are stored; the key itself is shown once, at creation. A write key acts with its role's
    permissions; a read key may only read. A channel restriction limits it to that channel."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=5, choices=ApiKeyScope.choices, default=ApiKeyScope.READ)
    role = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="What a write key may change (a role's permissions). Read keys may only read.",
    )
    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="Only this channel's content; empty = every channel.",
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    rotated_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rotated_to"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name", "prefix"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
