"""The guard on governed vocabularies and category trees: their entries change only through an
approved change request (`governance.change_requests`), which applies it inside
`change_request_applying()`; every other write through the services is refused (`governed`)."""

import contextvars
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from governance.audit import current_actor
from governance.models import Category, Vocabulary

DECIDE = "governance.approve_changerequest"  # who decides change requests and governance

_applying: contextvars.ContextVar = contextvars.ContextVar(
    "tessera_change_request_applying", default=False
)


@contextmanager
def change_request_applying():
    """Writes inside the block apply an approved change request: the guard lets them through."""
    token = _applying.set(True)
    try:
        yield
    finally:
        _applying.reset(token)


def _refuse(message: str, name: str) -> None:
    raise ValidationError(
        {
            NON_FIELD_ERRORS: ValidationError(
                message + ": submit a change request.", code="governed", params={"name": name}
            )
        }
    )


def vocabulary_guard(vocabulary_id: int | None) -> None:
    """Refuse a direct change to the terms of a governed vocabulary (read fresh from the
    database: the caller's instance may predate the switch)."""
    if _applying.get() or vocabulary_id is None:
        return
    code = Vocabulary.objects.filter(pk=vocabulary_id, is_governed=True).values_list(
        "code", flat=True
    )
    for name in code:
        _refuse("Vocabulary %(name)s is governed", name)


def tree_root_path(path: str) -> str:
    return path[: Category.steplen]


def tree_guard(*paths: str) -> None:
    """Refuse a direct change to a category of a governed tree; `paths` are of the categories
    touched (a root's path is the start of every path in its tree)."""
    if _applying.get():
        return
    roots = {tree_root_path(path) for path in paths if path}
    governed = Category.objects.filter(path__in=roots, depth=1, is_governed=True)
    for name in governed.values_list("code", flat=True)[:1]:
        _refuse("Category tree %(name)s is governed", name)


def governed_switch_guard(*, current: bool, new) -> None:
    """Only a Metadata Manager (or the system: commands, migrations) switches a vocabulary or a
    tree between governed and not; an API key never does (PermissionDenied → 403)."""
    if bool(new) == bool(current):
        return
    actor = current_actor()
    if actor.api_key_id is not None or (actor.user is not None and not actor.user.has_perm(DECIDE)):
        raise PermissionDenied("Only a Metadata Manager governs vocabularies and category trees.")
