"""Associations of a product, written with it: {"type": [{"product": sku} | {"product_model":
code}, with "quantity" for quantified types]}. A type's list replaces the stored one; a two-way
type mirrors each product-to-product link onto the target."""

from dataclasses import dataclass
from typing import Any

from pim.models import Association, AssociationType, Product, ProductModel


@dataclass(frozen=True)
class Link:
    type_id: int
    product_key: str | None  # the target's sku_key, resolved to an id when written
    model_id: int | None
    quantity: int


class AssociationTargets:
    """What a batch's association payloads refer to, loaded in three queries."""

    def __init__(self, payloads: list[Any], batch_keys: set[str], sku_key):
        self.sku_key = sku_key
        type_codes, skus, models = set(), set(), set()
        for payload in payloads:
            if isinstance(payload, dict):
                type_codes |= {t for t in payload if isinstance(t, str)}
                for links in payload.values():
                    for link in links if isinstance(links, list) else ():
                        if isinstance(link, dict) and isinstance(link.get("product"), str):
                            skus.add(sku_key(link["product"]))
                        if isinstance(link, dict) and isinstance(link.get("product_model"), str):
                            models.add(link["product_model"])
        self.types = {t.code: t for t in AssociationType.objects.filter(code__in=type_codes)}
        self.stored = set(
            Product.objects.filter(sku_key__in=skus).values_list("sku_key", flat=True)
        )
        self.products = self.stored | (batch_keys & skus)
        self.models = dict(ProductModel.objects.filter(code__in=models).values_list("code", "pk"))

    def parse(self, payload: Any, fail, source_key: str) -> dict[int, list[Link]]:
        """{type id: links}, calling fail(field, code, message) for each problem."""
        if not isinstance(payload, dict):
            fail("associations", "invalid", 'Expected {"type": [{"product": sku}, …]}.')
            return {}
        parsed = {}
        for code, links in payload.items():
            path = f"associations.{code}"
            kind = self.types.get(code)
            if kind is None:
                fail(path, "unknown", f"There is no association type {code!r}.")
                continue
            if not isinstance(links, list):
                fail(path, "invalid", "Expected a list of links.")
                continue
            parsed[kind.pk] = []
            for index, link in enumerate(links):
                target = self._link(kind, link, f"{path}[{index}]", fail, source_key)
                if target:
                    parsed[kind.pk].append(target)
        return parsed

    def _link(self, kind, link, path, fail, source_key) -> Link | None:
        allowed = {"product", "product_model", "quantity"}
        if (
            not isinstance(link, dict)
            or not set(link) <= allowed
            or len(set(link) - {"quantity"}) != 1
        ):
            fail(path, "invalid", 'Expected {"product": sku} or {"product_model": code}.')
            return None
        quantity = link.get("quantity", 1)
        if not kind.is_quantified and "quantity" in link:
            fail(path, "not_quantified", f"{kind.code} links carry no quantity.")
            return None
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            fail(path, "invalid_quantity", "A quantity is a whole number from 1.")
            return None
        if "product" in link:
            key = self.sku_key(link["product"]) if isinstance(link["product"], str) else None
            if key not in self.products:
                fail(path, "unknown", f"There is no product {link['product']!r}.")
                return None
            if key == source_key:
                fail(path, "self_association", "A product is not associated with itself.")
                return None
            return Link(kind.pk, key, None, quantity)
        model_id = self.models.get(link["product_model"])
        if model_id is None:
            fail(path, "unknown", f"There is no product model {link['product_model']!r}.")
            return None
        return Link(kind.pk, None, model_id, quantity)


def unsaved_targets(
    links_by_type: dict[int, list[Link]], targets: AssociationTargets, failed: set[str]
):
    """The batch products this one links to that will not be saved."""
    return sorted(
        link.product_key
        for links in links_by_type.values()
        for link in links
        if link.product_key in failed and link.product_key not in targets.stored
    )


def associations_replace(sources: dict[int, dict[int, list[Link]]]) -> None:
    """Store each source product's links for the types given, mirroring two-way ones."""
    if not sources:
        return
    type_ids = {t for by_type in sources.values() for t in by_type}
    two_way = set(
        AssociationType.objects.filter(pk__in=type_ids, is_two_way=True).values_list(
            "pk", flat=True
        )
    )
    keys = {
        link.product_key
        for by_type in sources.values()
        for links in by_type.values()
        for link in links
    }
    ids = dict(Product.objects.filter(sku_key__in=keys).values_list("sku_key", "pk"))
    for source_id, by_type in sources.items():
        Association.objects.filter(source_id=source_id, association_type_id__in=by_type).delete()
        Association.objects.filter(
            target_product_id=source_id, association_type_id__in=two_way & by_type.keys()
        ).delete()
    rows = []
    for source_id, by_type in sources.items():
        for type_id, links in by_type.items():
            for link in links:
                target = ids.get(link.product_key)
                rows.append(
                    Association(
                        association_type_id=type_id,
                        source_id=source_id,
                        target_product_id=target,
                        target_model_id=link.model_id,
                        quantity=link.quantity,
                    )
                )
                if type_id in two_way and target:
                    rows.append(
                        Association(
                            association_type_id=type_id,
                            source_id=target,
                            target_product_id=source_id,
                            quantity=link.quantity,
                        )
                    )
    Association.objects.bulk_create(rows, ignore_conflicts=True)
