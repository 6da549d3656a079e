"""Grants of object scope on the asset library: who may work in which collection (and its
child collections). Every grant and revocation is audited on the collection."""

from django.contrib.auth.models import Group
from django.db import transaction

from dam.models import Collection
from governance.services_access import scope_grant, scope_revoke

WORK_IN_COLLECTION = "dam.work_in_collection"


@transaction.atomic
def collection_grant(*, collection: Collection, user=None, group: Group | None = None) -> bool:
    """Let a user or group work in `collection` and its child collections; audited."""
    return scope_grant(obj=collection, permission=WORK_IN_COLLECTION, user=user, group=group)


@transaction.atomic
def collection_revoke(*, collection: Collection, user=None, group: Group | None = None) -> bool:
    """Withdraw a collection grant; audited. With no grant left the user is unscoped again."""
    return scope_revoke(obj=collection, permission=WORK_IN_COLLECTION, user=user, group=group)
