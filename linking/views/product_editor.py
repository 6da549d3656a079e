"""The product editor: a product's values for one channel × locale by attribute group, saved
through `product_upsert_many` with the version the form was read at (a stale one is a
conflict, never an overwrite), its completeness and media readiness, workflow actions, history,
variants and associations. The media panel is its own page module (an htmx fragment)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from governance import selectors as governance_selectors
from governance.audit import REVISIONS, history
from governance.workflow import TRANSITIONS, error_list, transition
from linking.models import MediaReadiness
from linking.views.comment_section import comment_section
from linking.views.product_editor_form import (
    build_sections,
    label_in,
    place_errors,
    value_changes,
)
from linking.views.variants import axis_matrix
from pim import selectors
from pim.models import AttributeGroup, Product
from pim.policies import product_policy
from pim.services.completeness import effective_values
from pim.services.products import product_upsert_many, sku_key
from pim.services.revisions import product_restore
from pim.values import value_key

HISTORY_SHOWN = 20
CONFLICT = (
    "Someone else saved this product since you opened it — reload to see their changes; "
    "your input is kept below."
)


def _product(request, sku: str) -> Product:
    """The product if the user may see it; 404 otherwise (out of scope looks like missing)."""
    visible = product_policy.visible(request.user, selectors.product_list())
    return get_object_or_404(visible, sku_key=sku_key(sku))


def _scope(request, catalog, channels) -> tuple[str, str]:
    """The chosen channel (default: the first) and locale (default: the channel's first)."""
    codes = [c.code for c in channels]
    params = request.POST if request.method == "POST" else request.GET
    channel = params.get("channel") if params.get("channel") in codes else None
    channel = channel or (codes[0] if codes else "")
    locales = list(catalog.channel_locales.get(channel, ())) or sorted(catalog.active_locales)
    locale = params.get("locale") if params.get("locale") in locales else None
    return channel, locale or (locales[0] if locales else "")


def _owners(catalog, product: Product) -> dict[str, str]:
    """{attribute: product model code} for what a variant inherits (edited on its models)."""
    parent = product.parent
    if parent is None:
        return {}
    variant = catalog.variants[parent.family_variant.code]
    ancestors = [parent.parent, parent] if parent.parent_id else [parent]
    family_attributes = catalog.families[product.family.code].attributes
    return {
        code: model.code
        for level, model in enumerate(ancestors)
        for code in variant.owned_at(level, family_attributes)
    }


def _variants(request, catalog, product: Product, locale: str) -> dict | None:
    """Siblings under the same product model with their axis values (one query)."""
    parent = product.parent
    if parent is None:
        return None
    variant = catalog.variants[parent.family_variant.code]
    axes = list(variant.axes.get(variant.depth, ()))
    siblings = product_policy.visible(request.user, Product.objects.filter(parent=parent))
    rows = [
        (sku, [_shown(values.get(a, {}).get("|")) for a in axes])
        for sku, values in siblings.order_by("sku").values_list("sku", "values")
    ]
    labels = [label_in(catalog.attributes[a].labels, locale, a) for a in axes]
    return {"model": parent.code, "axes": labels, "rows": rows}


def _shown(datum) -> str:
    if isinstance(datum, dict):
        return f"{datum.get('amount')} {datum.get('unit')}"
    return "—" if datum is None else str(datum)


def _diff_label(name: str) -> str:
    """`values.name[|en_US]` -> `name · en_US`; other fields as they are."""
    if not name.startswith("values."):
        return name
    code, _, scope = name[len("values.") :].partition("[")
    return " · ".join(filter(None, [code, *scope.rstrip("]").split("|")]))


def _history(product: Product) -> list[dict]:
    """The newest audit records as readable diffs: (what, before, after)."""
    return [
        {
            "record": record,
            "restorable": index > 0 and record.action in REVISIONS,
            "diffs": [
                (_diff_label(name), _shown_any(change[0]), _shown_any(change[1]))
                for name, change in sorted((record.changes or {}).items())
                if isinstance(change, list | tuple) and len(change) == 2
            ],
        }
        for index, record in enumerate(history(product)[:HISTORY_SHOWN])
    ]


def _shown_any(value) -> str:
    if isinstance(value, list):
        return ", ".join(_shown_any(v) for v in value) or "—"
    if isinstance(value, dict) and "currency" in value:
        return f"{value.get('amount')} {value['currency']}"
    return _shown(value)


def _actions(request, product: Product) -> list[str]:
    """Transitions this user may try from the product's state (the service says the rest)."""
    return [
        action
        for action, move in TRANSITIONS.items()
        if product.workflow_state in move.sources
        and request.user.has_perm(product_policy.permission(action))
    ]


def _context(request, product: Product, *, post=None) -> dict:
    catalog = selectors.catalog_load()
    channels = list(governance_selectors.channel_list())
    channel, locale = _scope(request, catalog, channels)
    chosen = next((c for c in channels if c.code == channel), None)
    currencies = sorted(c.code for c in chosen.currencies.all()) if chosen else []
    family = catalog.families[product.family.code]
    effective = effective_values(product)
    vocabularies = sorted(
        {
            catalog.attributes[c].vocabulary.code
            for c in family.attributes
            if catalog.attributes[c].vocabulary_id
        }
    )
    sections = build_sections(
        catalog,
        family=product.family.code,
        groups=list(AttributeGroup.objects.all()),
        own=product.values,
        effective=effective,
        owners=_owners(catalog, product),
        channel=channel,
        locale=locale,
        currencies=currencies,
        terms=governance_selectors.term_map(vocabulary_codes=vocabularies) if vocabularies else {},
        post=post,
    )
    label = None
    if family.label_attribute:
        attribute = catalog.attributes[family.label_attribute]
        scope = (
            channel if attribute.is_scopable else None,
            locale if attribute.is_localizable else None,
        )
        label = effective.get(attribute.code, {}).get(value_key(*scope))
    extras = selectors.product_extras([product.pk])
    readiness = {
        (c, loc): (score, missing)
        for c, loc, score, missing in MediaReadiness.objects.filter(product=product).values_list(
            "channel__code", "locale__code", "score", "missing"
        )
    }
    completeness = [
        {
            "channel": c,
            "locale": loc,
            "ratio": ratio,
            "missing": [m for m in missing.split(",") if m],
            "readiness": readiness.get((c, loc)),
            "query": urlencode({"channel": c, "locale": loc}),
        }
        for c, loc, ratio, missing in extras.completeness.get(product.pk, ())
    ]
    may_edit = product_policy.allows(request.user, "change", product)
    return {
        "product": product,
        "label": label,
        "channels": channels,
        "channel": channel,
        "locales": list(catalog.channel_locales.get(channel, ())) or sorted(catalog.active_locales),
        "locale": locale,
        "sections": sections,
        "may_edit": may_edit,
        "actions": _actions(request, product),
        "completeness": completeness,
        "categories": sorted(extras.categories.get(product.pk, ())),
        "associations": extras.associations.get(product.pk, ()),
        "variants": _variants(request, catalog, product, locale),
        "axis_matrix": axis_matrix(catalog, product, locale),
        "history": _history(product),
        "scope_query": urlencode({"channel": channel, "locale": locale}),
        **comment_section(request, product),
    }


@login_required
@require_http_methods(["GET", "POST"])
def product_editor(request, sku):
    product = _product(request, sku)
    if request.method == "GET":
        return render(request, "workbench/product_editor/page.html", _context(request, product))
    if not product_policy.allows(request.user, "change", product):
        raise PermissionDenied
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        context = _context(request, product)
        context["general_errors"] = ["The form lacks the version it was read at: reload it."]
        return render(request, "workbench/product_editor/page.html", context, status=422)
    context = _context(request, product, post=request.POST)
    channel, locale = context["channel"], context["locale"]
    changes = value_changes(context["sections"], product.values, channel, locale)
    if not changes:
        messages.info(request, "Nothing changed.")
        return _back_to(product, channel, locale)
    [outcome] = product_upsert_many(
        items=[{"sku": product.sku, "values": changes}],
        mode="update",
        expected_versions={0: version},
        category_scope=product_policy.write_scope(request.user),
    )
    if outcome.status == 412:
        context["conflict"] = CONFLICT
        context["seen_version"] = version
        return render(request, "workbench/product_editor/page.html", context, status=409)
    if not outcome.ok:
        context["general_errors"] = place_errors(context["sections"], outcome.errors)
        context["seen_version"] = version
        return render(request, "workbench/product_editor/page.html", context, status=422)
    # Post/redirect/get: reloading the page shows the saved product, it does not post again.
    messages.success(request, f"Saved — version {outcome.product.version}.")
    return _back_to(outcome.product, channel, locale)


def _back_to(product, channel: str, locale: str):
    url = reverse("workbench-product", args=[product.sku])
    return redirect(f"{url}?{urlencode({'channel': channel, 'locale': locale})}")


@login_required
@require_POST
def product_transition(request, sku):
    """Submit / approve / reject / retire / reopen with a comment, as the signed-in person."""
    product = _product(request, sku)
    if not any(
        request.user.has_perm(product_policy.permission(a)) for a in ("submit", "approve", "retire")
    ):
        raise PermissionDenied
    action = request.POST.get("action", "")
    try:
        transition(obj=product, action=action, comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        context = _context(request, product)
        context["transition_errors"] = [e["message"] for e in error_list(exc)]
        return render(request, "workbench/product_editor/page.html", context, status=422)
    messages.success(
        request,
        f"{action.capitalize()}: the product is now {product.get_workflow_state_display().lower()}.",
    )
    url = reverse("workbench-product", args=[product.sku])
    query = urlencode({k: request.POST[k] for k in ("channel", "locale") if request.POST.get(k)})
    return redirect(f"{url}?{query}#workflow" if query else f"{url}#workflow")


@login_required
@require_POST
def product_revision_restore(request, sku):
    """Return the product to the state right after one of its audit records (pim's restore)."""
    product = _product(request, sku)
    if not product_policy.allows(request.user, "change", product):
        raise PermissionDenied
    record = request.POST.get("record", "")
    try:
        restored = product_restore(
            product=product,
            record_id=int(record) if record.isdigit() else record,
            category_scope=product_policy.write_scope(request.user),
        )
    except ValidationError as exc:
        context = _context(request, product)
        context["general_errors"] = [e["message"] for e in error_list(exc)]
        return render(request, "workbench/product_editor/page.html", context, status=422)
    messages.success(request, f"Restored — version {restored.version}.")
    return redirect(reverse("workbench-product", args=[restored.sku]) + "#history")


urlpatterns = [
    path("products/<str:sku>/", product_editor, name="workbench-product"),
    path("products/<str:sku>/transition/", product_transition, name="workbench-product-transition"),
    path("products/<str:sku>/restore/", product_revision_restore, name="workbench-product-restore"),
]
