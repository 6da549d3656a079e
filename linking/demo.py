"""The demo catalog `seed_demo` loads: three families (apparel with colour and size variants,
footwear by size, cameras), twenty attributes of every type, category trees per channel and a
few hundred products, some incomplete on purpose. Built through the services, deterministic."""

import random

from governance import services as governance
from governance.models import Category, Channel, Vocabulary
from pim.models import Family
from pim.services import catalog as pim_catalog
from pim.services.product_models import product_model_save
from pim.services.products import product_upsert_many

VOCABULARIES = {
    "colors": ["black", "white", "navy", "red", "olive"],
    "sizes": ["xs", "s", "m", "l", "xl"],
    "shoe_sizes": ["eu_38", "eu_39", "eu_40", "eu_41", "eu_42", "eu_43", "eu_44"],
    "materials": ["cotton", "linen", "wool", "leather", "recycled_polyester"],
    "brands": ["northwind", "fabrikam", "contoso"],
    "seasons": ["spring_summer", "autumn_winter", "all_year"],
}
LABELS = {"en_US": "", "fr_FR": "", "de_DE": ""}

ATTRIBUTES = {
    "marketing": {
        "name": {"type": "text", "is_localizable": True, "max_length": 120},
        "description": {"type": "rich_text", "is_localizable": True, "is_scopable": True},
        "short_description": {
            "type": "textarea",
            "is_localizable": True,
            "is_scopable": True,
            "max_length": 300,
        },
        "brand": {"type": "select", "vocabulary": "brands"},
        "season": {"type": "select", "vocabulary": "seasons"},
    },
    "technical": {
        "ean": {"type": "identifier", "regex": r"\d{13}"},
        "color": {"type": "select", "vocabulary": "colors"},
        "size": {"type": "select", "vocabulary": "sizes"},
        "shoe_size": {"type": "select", "vocabulary": "shoe_sizes"},
        "materials": {"type": "multiselect", "vocabulary": "materials"},
        "weight": {
            "type": "metric",
            "allowed_units": ["gram", "kilogram"],
            "decimals_allowed": True,
            "default_unit": "gram",
        },
        "screen_size": {
            "type": "metric",
            "allowed_units": ["inch", "centimeter"],
            "decimals_allowed": True,
        },
        "megapixels": {
            "type": "number",
            "decimals_allowed": True,
            "min_value": "1",
            "max_value": "200",
        },
        "battery_life": {
            "type": "metric",
            "allowed_units": ["hour", "minute"],
            "decimals_allowed": True,
        },
        "waterproof": {"type": "boolean"},
        "recycled": {"type": "boolean"},
        "warranty_years": {"type": "number", "min_value": "0", "max_value": "10"},
        "release_date": {"type": "date", "date_min": "2000-01-01"},
        "care_instructions": {"type": "textarea", "is_localizable": True},
    },
    "commerce": {
        "price": {"type": "price", "is_scopable": True, "decimals_allowed": True},
    },
}
COMMON = ["name", "description", "short_description", "brand", "price", "release_date"]
FAMILIES = {
    "apparel": {
        "attributes": [
            *COMMON,
            "season",
            "color",
            "size",
            "materials",
            "weight",
            "ean",
            "recycled",
            "care_instructions",
        ],
        "requirements": {
            "ecommerce": ["name", "description", "price", "color", "size"],
            "mobile": ["name", "short_description", "price"],
            "print": ["name", "short_description"],
        },
    },
    "footwear": {
        "attributes": [*COMMON, "color", "shoe_size", "materials", "weight", "ean", "waterproof"],
        "requirements": {
            "ecommerce": ["name", "description", "price", "shoe_size"],
            "mobile": ["name", "price"],
            "print": ["name", "short_description"],
        },
    },
    "cameras": {
        "attributes": [
            *COMMON,
            "ean",
            "megapixels",
            "screen_size",
            "battery_life",
            "weight",
            "waterproof",
            "warranty_years",
        ],
        "requirements": {
            "ecommerce": ["name", "description", "price", "megapixels", "weight"],
            "mobile": ["name", "price", "megapixels"],
            "print": ["name", "short_description", "megapixels"],
        },
    },
}
CATEGORIES = {  # tree root -> {category: [children]}
    "master": {
        "men": ["men_shirts", "men_shoes"],
        "women": ["women_tops", "women_shoes"],
        "electronics": ["cameras", "accessories"],
    },
    "print_catalogue": {"print_clothing": [], "print_photo": []},
}


def v(data, channel=None, locale=None):
    return {"channel": channel, "locale": locale, "data": data}


def seed_catalog() -> int:
    """Load the demo catalog once; returns how many products it made (0 when already there)."""
    if Family.objects.filter(code="apparel").exists():
        return 0
    _reference_data()
    _structure()
    return _products()


def _reference_data():
    for code, terms in VOCABULARIES.items():
        if not Vocabulary.objects.filter(code=code).exists():
            vocabulary = governance.vocabulary_create(
                code=code, labels={"en_US": code.replace("_", " ").title()}
            )
            for order, term in enumerate(terms):
                governance.term_create(
                    vocabulary=vocabulary,
                    code=term,
                    sort_order=order,
                    labels={"en_US": term.replace("_", " ").title()},
                )
    for root, branches in CATEGORIES.items():
        if Category.objects.filter(code=root).exists():
            continue
        governance.category_create(code=root, labels={"en_US": root.replace("_", " ").title()})
        for branch, leaves in branches.items():
            governance.category_create(code=branch, parent=root, labels={"en_US": branch.title()})
            for leaf in leaves:
                governance.category_create(
                    code=leaf, parent=branch, labels={"en_US": leaf.replace("_", " ").title()}
                )
    for channel, tree in (
        ("ecommerce", "master"),
        ("mobile", "master"),
        ("print", "print_catalogue"),
    ):
        governance.channel_update(
            channel=Channel.objects.get(code=channel), changes={}, category_tree=tree
        )


def _structure():
    for order, (group, attributes) in enumerate(ATTRIBUTES.items()):
        pim_catalog.attribute_group_save(
            code=group, changes={"sort_order": order, "labels": {"en_US": group.title()}}
        )
        for code, spec in attributes.items():
            pim_catalog.attribute_save(
                code=code,
                changes={
                    "group": group,
                    "labels": {"en_US": code.replace("_", " ").capitalize()},
                    **spec,
                },
            )
    for code, spec in FAMILIES.items():
        pim_catalog.family_save(
            code=code,
            changes={**spec, "label_attribute": "name", "labels": {"en_US": code.title()}},
        )
    pim_catalog.family_variant_save(
        code="apparel_color_size",
        changes={
            "family": "apparel",
            "labels": {"en_US": "Apparel by colour, then size"},
            "levels": [
                {"axes": ["color"], "attributes": ["materials"]},
                {"axes": ["size"], "attributes": ["ean", "weight"]},
            ],
        },
    )
    pim_catalog.family_variant_save(
        code="footwear_size",
        changes={
            "family": "footwear",
            "labels": {"en_US": "Footwear by size"},
            "levels": [{"axes": ["shoe_size"], "attributes": ["ean", "weight"]}],
        },
    )
    pim_catalog.association_type_save(
        code="cross_sell", changes={"is_two_way": True, "labels": {"en_US": "Cross-sell"}}
    )
    pim_catalog.association_type_save(code="upsell", changes={"labels": {"en_US": "Upsell"}})
    pim_catalog.association_type_save(code="accessory", changes={"labels": {"en_US": "Accessory"}})
    pim_catalog.association_type_save(
        code="pack", changes={"is_quantified": True, "labels": {"en_US": "Pack"}}
    )


def _common(rng, name, category, brand, complete):
    values = {
        "name": [v(name, locale="en_US"), v(f"{name} (FR)", locale="fr_FR")]
        + ([v(f"{name} (DE)", locale="de_DE")] if complete else []),
        "short_description": [
            v(f"{name}: everyday quality.", "mobile", "en_US"),
            v(f"{name}: Alltagsqualität.", "print", "de_DE"),
        ],
        "brand": [v(brand)],
        "release_date": [v(f"2025-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}")],
    }
    if complete:  # some products stay incomplete on purpose: no description, no price
        values["description"] = [
            v(f"<p>The <strong>{name}</strong>.</p>", "ecommerce", "en_US"),
            v(f"<p>Le <strong>{name}</strong>.</p>", "ecommerce", "fr_FR"),
        ]
        values["price"] = [
            v(
                [{"amount": f"{rng.randint(19, 199)}.90", "currency": c} for c in ("EUR", "USD")],
                "ecommerce",
            ),
            v([{"amount": f"{rng.randint(19, 199)}.90", "currency": "EUR"}], "mobile"),
        ]
    return values


def _ean(n):
    digits = f"400638{n:06}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return digits + str(check)


def _products() -> int:
    rng = random.Random(7)
    items, ean = [], iter(range(1, 10_000))
    styles = [
        "oxford shirt",
        "linen shirt",
        "polo",
        "crew tee",
        "hoodie",
        "rain jacket",
        "chino",
        "denim jacket",
    ]
    for index, style in enumerate(styles):
        code = style.replace(" ", "_")
        complete = index % 3 != 2
        product_model_save(
            data={
                "code": code,
                "family_variant": "apparel_color_size",
                "categories": ["men_shirts" if index % 2 else "women_tops"],
                "values": {
                    **_common(
                        rng, style.title(), None, VOCABULARIES["brands"][index % 3], complete
                    ),
                    "season": [v("all_year")],
                    "care_instructions": [v("Wash at 30°C.", locale="en_US")],
                },
            }
        )
        for color in rng.sample(VOCABULARIES["colors"], 3):
            sub = f"{code}_{color}"
            product_model_save(
                data={
                    "code": sub,
                    "family_variant": "apparel_color_size",
                    "parent": code,
                    "values": {
                        "color": [v(color)],
                        "materials": [v(rng.sample(VOCABULARIES["materials"][:3], 2))],
                    },
                }
            )
            for size in VOCABULARIES["sizes"]:
                items.append(
                    {
                        "sku": f"{sub}_{size}".upper().replace("_", "-"),
                        "parent": sub,
                        "values": {
                            "size": [v(size)],
                            "ean": [v(_ean(next(ean)))],
                            "weight": [v({"amount": rng.randint(150, 600), "unit": "gram"})],
                        },
                    }
                )
    for index, style in enumerate(["trail runner", "city sneaker", "chelsea boot", "sandal"]):
        code = style.replace(" ", "_")
        product_model_save(
            data={
                "code": code,
                "family_variant": "footwear_size",
                "categories": ["men_shoes" if index % 2 else "women_shoes"],
                "values": {
                    **_common(rng, style.title(), None, "fabrikam", index != 3),
                    "color": [v(rng.choice(VOCABULARIES["colors"]))],
                    "waterproof": [v(index == 0)],
                },
            }
        )
        for size in VOCABULARIES["shoe_sizes"]:
            items.append(
                {
                    "sku": f"{code}-{size}".upper().replace("_", "-"),
                    "parent": code,
                    "values": {"shoe_size": [v(size)], "ean": [v(_ean(next(ean)))]},
                }
            )
    for n in range(120):
        name = f"Snapshot {['Mini', 'Pro', 'Max', 'Go'][n % 4]} {n + 1}"
        values = _common(rng, name, None, VOCABULARIES["brands"][n % 3], n % 5 != 0)
        values.update(
            {
                "ean": [v(_ean(next(ean)))],
                "megapixels": [v(f"{rng.randint(12, 60)}.{rng.randint(0, 9)}")],
                "weight": [v({"amount": f"0.{rng.randint(2, 9)}", "unit": "kilogram"})],
                "screen_size": [v({"amount": rng.choice(["2.8", "3.0", "3.2"]), "unit": "inch"})],
                "battery_life": [v({"amount": rng.randint(3, 9), "unit": "hour"})],
                "waterproof": [v(n % 4 == 0)],
                "warranty_years": [v(2)],
            }
        )
        items.append(
            {
                "sku": f"CAM-{n + 1:03}",
                "family": "cameras",
                "categories": ["cameras"],
                "values": values,
            }
        )
    items.append(
        {
            "sku": "CAM-KIT-001",
            "family": "cameras",
            "categories": ["cameras", "accessories"],
            "values": _common(rng, "Snapshot starter kit", None, "contoso", True),
            "associations": {
                "pack": [{"product": "CAM-001", "quantity": 1}],
                "cross_sell": [{"product": "CAM-002"}],
            },
        }
    )
    outcomes = product_upsert_many(items=items)
    failed = [(o.sku, o.errors) for o in outcomes if not o.ok]
    if failed:
        raise RuntimeError(f"demo products failed validation: {failed[:3]}")
    return len(outcomes)
