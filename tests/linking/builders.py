"""Builders for linking tests, reusable by every linking area (links, naming, readiness, feed).

`linked_catalog(...)` (also the `linked_catalog` fixture in tests/linking/conftest.py) builds,
through the real services, on top of tests/pim/conftest.py's `catalog` (locales en_US/fr_FR/
de_DE, channels `ecommerce` (en_US, fr_FR) and `print` (de_DE), family `shirts` with the
two-level family variant `shirts_by_color_size`):

- a category tree `master` > `apparel` > `shirts_cat`, the tree of channel `ecommerce`;
- root product model `oxford` (categories: apparel) > sub-model `oxford_red` (color red)
  > variants `oxford-red-m`, `oxford-red-l` (category shirts_cat);
- a standalone product `plain-tee` (family shirts, category shirts_cat);
- image assets (real ingested JPEGs, each a different colour so none is a duplicate):
  `hero`, `back`, `side`, `swatch_red`, `lifestyle`.

No links are made: each test adds the ones it is about with `linking.services.links.link_add`.
"""

import io
from dataclasses import dataclass

from dam.models import Asset
from dam.services import assets_ingest
from governance import services as governance
from governance.models import Channel
from pim.models import Product, ProductModel
from pim.services.product_models import product_model_save
from tests.dam.conftest import image_bytes
from tests.pim.builders import save, value

IMAGE_NAMES = ("hero", "back", "side", "swatch_red", "lifestyle")


def image_asset(name: str, *, color=(200, 30, 30), size=(64, 48)) -> Asset:
    """A real image asset ingested from a small JPEG named `<name>.jpg` (its code: `name`, or
    `name_2`… when taken). Needs a storage: use the `local_storage` fixture."""
    [ingested] = assets_ingest(uploads=[(f"{name}.jpg", io.BytesIO(image_bytes(size, color)))])
    return ingested.asset


def product(sku: str, **item) -> Product:
    """Upsert a product through pim's service (family `shirts`, or its parent model's)."""
    item = {"sku": sku, **item} if "parent" in item else {"sku": sku, "family": "shirts", **item}
    outcome = save(item)
    assert outcome.ok, outcome.errors
    return Product.objects.get(sku=sku)


@dataclass
class LinkedCatalog:
    root: ProductModel  # oxford
    model: ProductModel  # oxford_red, child of oxford
    variant: Product  # oxford-red-m
    other_variant: Product  # oxford-red-l
    standalone: Product  # plain-tee
    assets: dict[str, Asset]  # by IMAGE_NAMES


def linked_catalog() -> LinkedCatalog:
    """Build the catalog described in the module docstring (needs pim's `catalog` fixture's
    data and a storage)."""
    governance.category_create(code="master")
    governance.category_create(code="apparel", parent="master")
    governance.category_create(code="shirts_cat", parent="apparel")
    governance.channel_update(
        channel=Channel.objects.get(code="ecommerce"), changes={}, category_tree="master"
    )
    root = product_model_save(
        data={
            "code": "oxford",
            "family_variant": "shirts_by_color_size",
            "categories": ["apparel"],
            "values": {"name": value("Oxford", locale="en_US")},
        }
    )
    model = product_model_save(
        data={
            "code": "oxford_red",
            "family_variant": "shirts_by_color_size",
            "parent": "oxford",
            "values": {"color": value("red")},
        }
    )
    variant = product(
        "oxford-red-m", parent="oxford_red", categories=["shirts_cat"], values={"size": value("m")}
    )
    other = product(
        "oxford-red-l", parent="oxford_red", categories=["shirts_cat"], values={"size": value("l")}
    )
    standalone = product(
        "plain-tee", categories=["shirts_cat"], values={"name": value("Tee", locale="en_US")}
    )
    colors = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30), (30, 200, 200)]
    assets = {
        name: image_asset(name, color=color)
        for name, color in zip(IMAGE_NAMES, colors, strict=True)
    }
    return LinkedCatalog(root, model, variant, other, standalone, assets)
