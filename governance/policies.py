"""Permission policies: one object per model answers both "which may this user see?"
(`visible`) and "may this user do that to this one?" (`allows`), so views, the admin and the
workbench never re-implement a check.

A decision is the role permission (`<app>.<action>_<model>`) AND the object scope: a user (or
one of their groups) granted `governance.work_in_category` on categories sees and acts only on
what is classified in those subtrees; a channel-restricted API key only on what its channel's
category tree holds. The apps (pim, dam) subclass `Policy` with their scope; governance knows
neither of them.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from governance.models import (
    Category,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
    Channel,
)

ACTIONS = ("view", "change", "delete", "submit", "approve", "retire")
# A transition is guarded by the permission of its forward twin.
ALIASES = {"reject": "approve", "reopen": "retire"}

WORK_IN_CATEGORY = "work_in_category"
_SCOPE_CACHE = "_tessera_scopes"


def api_key_of(user):
    """The ApiKey a request authenticated with, or None for a person."""
    return getattr(user, "api_key", None)


def key_channel(user) -> Channel | None:
    """The channel an API key is restricted to (None: a person, or an unrestricted key)."""
    key = api_key_of(user)
    return getattr(key, "channel", None) if key is not None else None


def cached_scope(user, name: str, compute):
    """Compute a user's scope once per user object (i.e. once per request)."""
    cache = user.__dict__.setdefault(_SCOPE_CACHE, {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def minimal_paths(paths) -> list[str]:
    """Drop every path inside another one: the remaining prefixes cover the same subtrees."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def path_condition(paths: list[str], field: str = "path") -> Q:
    """Rows whose `field` lies in one of the subtrees rooted at `paths` (treebeard prefixes)."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def granted_category_paths(user) -> list[str] | None:
    """Paths of the category subtrees a person may work in, None if they are unscoped (no
    grant at all). A channel-restricted key's scope is its channel's tree ([] if it has none)."""

    def compute():
        key = api_key_of(user)
        if key is not None:
            channel = key_channel(user)
            if channel is None:
                return None
            tree = channel.category_tree
            return [tree.path] if tree is not None else []
        permission = Q(permission__codename=WORK_IN_CATEGORY)
        permission &= Q(permission__content_type__app_label="governance")
        mine = CategoryUserObjectPermission.objects.filter(permission, user_id=user.pk)
        groups = CategoryGroupObjectPermission.objects.filter(permission, group__user=user.pk)
        paths = Category.objects.filter(
            Exists(mine.filter(content_object=OuterRef("pk")))
            | Exists(groups.filter(content_object=OuterRef("pk")))
        ).values_list("path", flat=True)
        paths = list(paths)
        return minimal_paths(paths) if paths else None

    return cached_scope(user, "categories", compute)


def is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated


class Policy:
    """Role permission AND object scope for one model. Subclasses set `model` and override
    `scope` (a Q over the model, None = everything) and, if need be, `permits`."""

    model: type[Model]

    @property
    def app_label(self) -> str:
        return self.model._meta.app_label

    def permission(self, action: str) -> str:
        action = ALIASES.get(action, action)
        if action not in ACTIONS:
            raise ValueError(f"Unknown action {action!r}; expected one of {', '.join(ACTIONS)}.")
        return f"{self.app_label}.{action}_{self.model._meta.model_name}"

    def scope(self, user) -> Q | None:
        """What a (non-superuser) principal may reach at all; None = no restriction."""
        return None

    def permits(self, user, action: str, obj) -> bool:
        """A further rule on one object beyond permission and scope (default: none)."""
        return True

    def visible(self, user, queryset: QuerySet) -> QuerySet:
        """The rows of `queryset` this user may see (needs the view permission)."""
        if not is_signed_in(user):
            return queryset.none()
        if user.is_superuser:
            return queryset
        if not user.has_perm(self.permission("view")):
            return queryset.none()
        condition = self.scope(user)
        return queryset if condition is None else queryset.filter(condition)

    def in_scope(self, user, obj) -> bool:
        """Whether the object lies within the user's scope (not whether they may act on it)."""
        if not is_signed_in(user):
            return False
        if user.is_superuser:
            return True
        condition = self.scope(user)
        if condition is None:
            return True
        return self.model._default_manager.filter(pk=obj.pk).filter(condition).exists()

    def allows(self, user, action: str, obj) -> bool:
        """Whether the user may do `action` (view, change, delete, submit, approve/reject,
        retire/reopen) to `obj`: the role permission, the object scope, and `permits`."""
        permission = self.permission(action)
        if not is_signed_in(user):
            return False
        if user.is_superuser:
            return True
        if not user.has_perm(permission):
            return False
        action = ALIASES.get(action, action)
        return self.permits(user, action, obj) and self.in_scope(user, obj)


class CategoryScopedPolicy(Policy):
    """Scope by the categories the object is classified in (an M2M to governance.Category)."""

    categories_field = "categories"

    def write_scope(self, user) -> list[str] | None:
        """The category paths a writer may classify into (None: anywhere)."""
        if not is_signed_in(user) or user.is_superuser:
            return None
        return granted_category_paths(user)

    def scope(self, user) -> Q | None:
        paths = granted_category_paths(user)
        if paths is None:
            return None
        links = getattr(self.model, self.categories_field).through
        source = f"{self.model._meta.model_name}_id"
        classified = links.objects.filter(**{source: OuterRef("pk")})
        return Q(Exists(classified.filter(path_condition(paths, "category__path"))))


def channel_visible(user, queryset: QuerySet[Channel]) -> QuerySet[Channel]:
    """Channels a principal may see: a channel-restricted key only its own."""
    channel = key_channel(user)
    return queryset if channel is None else queryset.filter(pk=channel.pk)


def channel_allowed(user, code: str | None) -> bool:
    """Whether a request may name this channel (`?channel=`): a restricted key only its own."""
    channel = key_channel(user)
    return code is None or channel is None or code == channel.code


def check_channel(user, code: str | None) -> None:
    """Refuse (403) a request that names a channel its key is not restricted to."""
    if not channel_allowed(user, code):
        raise PermissionDenied("This API key is restricted to another channel.")


class PolicyAdminMixin:
    """ModelAdmin hooks that ask a policy: the changelist lists what the user may see, and
    viewing, changing or deleting one object needs the policy's yes (objects outside the
    scope are simply not found)."""

    policy: Policy

    def get_queryset(self, request):
        return self.policy.visible(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.policy.in_scope(request.user, obj))

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return self.policy.allows(request.user, "change", obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return self.policy.allows(request.user, "delete", obj)
