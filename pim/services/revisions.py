"""Restoring a product to an earlier revision — its state right after one of its audit
records, rebuilt from the diffs since (pim.audit.product_state_at) — written back through
`product_upsert_many`, so today's rules validate it like any other edit."""

from django.core.exceptions import ValidationError
from django.db import transaction

from governance.audit import recording_as, restorable_record
from governance.models import AuditAction
from pim import selectors
from pim.audit import product_state_at
from pim.models import Product
from pim.services.products import product_upsert_many
from pim.values import split_key


def _values_in(state: dict, current: dict, attributes: frozenset[str] | set[str]) -> dict:
    """The API values that turn `current` into `state`: every value of the state, and an
    erasure (data null) for each current value it lacks, among `attributes`."""
    values: dict[str, list[dict]] = {}
    for code, scopes in state.items():
        for key, data in scopes.items():
            if type(data) is dict and "base" in data:  # a metric: given as amount and unit
                data = {"amount": data["amount"], "unit": data["unit"]}
            channel, locale = split_key(key)
            values.setdefault(code, []).append({"channel": channel, "locale": locale, "data": data})
    for code, scopes in current.items():
        if code not in attributes:
            continue  # not of the restored family: a family change drops it
        for key in scopes.keys() - state.get(code, {}).keys():
            channel, locale = split_key(key)
            values.setdefault(code, []).append({"channel": channel, "locale": locale, "data": None})
    return values


@transaction.atomic
def product_restore(
    *, product: Product, record_id: int, category_scope: list[str] | None = None
) -> Product:
    """Return a product to its state right after one of its audit records (values, categories,
    enabled, family, parent); audited as a restore. What today's catalog refuses is a 422, and
    a scoped writer (`category_scope`) restores only classifications inside their scope."""
    # Locked before the state is rebuilt: a write in between would not be undone.
    current = Product.objects.select_for_update().get(pk=product.pk)
    record = restorable_record(product, record_id, needs_state=False)
    state = product_state_at(product, record)
    catalog = selectors.catalog_load()
    family = catalog.families.get(state["family"])
    item = {
        "sku": current.sku,
        "family": state["family"],
        "parent": state["parent"],
        "enabled": state["enabled"],
        "categories": state["categories"],
        "values": _values_in(
            state["values"], current.values, family.attributes if family else set()
        ),
    }
    with recording_as(action=AuditAction.RESTORE, note={"restored_record": [None, record.pk]}):
        [outcome] = product_upsert_many(
            items=[item], mode="update", catalog=catalog, category_scope=category_scope
        )
    if not outcome.ok:
        errors: dict = {}
        for error in outcome.errors:
            errors.setdefault(error["field"] or "__all__", []).append(
                ValidationError(error["message"], code=error["code"])
            )
        raise ValidationError(errors)
    return outcome.product
