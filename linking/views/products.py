"""Workbench: the product grid — search, facets, sortable columns, a column chooser, saved
views, keyset paging and bulk actions with per-item results."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_POST

from governance.models import Channel, WorkflowState
from linking.models import SavedView
from linking.selectors.product_grid import SORTS, GridQuery, grid_facets, grid_page
from linking.services.product_grid import (
    bulk_actions_for,
    products_bulk_apply,
    saved_view_delete,
    saved_view_save,
)

PAGE = "products"
COLUMNS = {
    "name": "Name",
    "family": "Family",
    "state": "State",
    "completeness": "Completeness",
    "media": "Media readiness",
    "categories": "Categories",
    "enabled": "Enabled",
    "updated": "Updated",
}
DEFAULT_COLUMNS = ["name", "family", "state", "completeness", "media", "updated"]
# Column → the sort it offers (SKU is always shown and sortable).
SORTABLE = {
    "sku": "sku",
    "family": "family",
    "state": "state",
    "completeness": "completeness",
    "updated": "updated",
}


class GridForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    family = forms.CharField(required=False)
    category = forms.CharField(required=False)
    state = forms.ChoiceField(required=False, choices=[("", "Any"), *WorkflowState.choices])
    channel = forms.CharField(required=False)
    locale = forms.CharField(required=False)
    completeness = forms.ChoiceField(
        required=False,
        choices=[("", "Any"), ("complete", "Complete"), ("incomplete", "Incomplete")],
    )
    missing_media = forms.BooleanField(required=False, label="Missing media")
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])
    dir = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])
    cols = forms.MultipleChoiceField(required=False, choices=list(COLUMNS.items()))
    per_page = forms.IntegerField(required=False, min_value=1, max_value=200)
    after = forms.CharField(required=False, max_length=500)
    before = forms.CharField(required=False, max_length=500)


def product_url(sku: str) -> str:
    """The product editor's address; the literal path until its route exists."""
    try:
        return reverse("workbench-product", args=[sku])
    except NoReverseMatch:
        return f"/products/{quote(sku, safe='')}/"


def _scopes(channels) -> tuple[list[tuple[str, str]], str, str]:
    """(channel, locale) pairs to choose from, and the default (the first)."""
    pairs = [(c.code, loc.code) for c in channels for loc in c.locales.all()]
    return pairs, *(pairs[0] if pairs else ("", ""))


def _query_string(params: QueryDict, **changes) -> str:
    data = params.copy()
    for name, value in changes.items():
        data.pop(name, None)
        if value:
            data[name] = value
    return data.urlencode()


def grid_context(request, params: QueryDict) -> dict:
    form = GridForm(params)
    form.is_valid()  # bad fields are dropped and said next to the field
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    channels = list(Channel.objects.order_by("code").prefetch_related("locales"))
    pairs, channel, locale = _scopes(channels)
    if (data.get("channel"), data.get("locale")) in pairs:
        channel, locale = data["channel"], data["locale"]
    query = GridQuery(
        q=(data.get("q") or "").strip(),
        family=data.get("family") or "",
        category=data.get("category") or "",
        state=data.get("state") or "",
        channel=channel,
        locale=locale,
        completeness=data.get("completeness") or "",
        missing_media=bool(data.get("missing_media")),
        sort=data.get("sort") or "sku",
        descending=data.get("dir") == "desc",
        after=data.get("after") or "",
        before=data.get("before") or "",
        limit=data.get("per_page") or 50,
    )
    page = grid_page(request.user, query)
    for row in page.rows:
        row.url = product_url(row.sku)
    columns = data.get("cols") or DEFAULT_COLUMNS
    base = params.copy()
    for name in ("after", "before"):
        base.pop(name, None)
    grid = reverse("workbench-products") + "?"
    headers = [
        {"code": code, "label": "SKU" if code == "sku" else COLUMNS[code]}
        for code in ["sku", *(c for c in COLUMNS if c in columns)]
    ]
    for header in headers:
        sort = SORTABLE.get(header["code"])
        if sort is None:
            continue
        active = query.sort == sort
        direction = "asc" if not active or query.descending else "desc"
        header["url"] = grid + _query_string(base, sort=sort, dir=direction)
        if active:
            header["aria"] = "descending" if query.descending else "ascending"
    return {
        "form": form,
        "query": query,
        "page": page,
        "facets": grid_facets(),
        "scopes": pairs,
        "scope": f"{channel}|{locale}",
        "states": WorkflowState.choices,
        "columns": {c: COLUMNS[c] for c in COLUMNS if c in columns},
        "all_columns": COLUMNS,
        "shown": set(columns),
        "headers": headers,
        "next_url": grid + _query_string(base, after=page.next_cursor) if page.next_cursor else "",
        "previous_url": (
            grid + _query_string(base, before=page.previous_cursor) if page.previous_cursor else ""
        ),
        "current_query": base.urlencode(),
        "actions": bulk_actions_for(request.user),
        "saved_views": SavedView.objects.filter(user=request.user, page=PAGE),
    }


@login_required
@require_GET
def product_grid(request):
    params = _with_scope(request.GET)
    context = grid_context(request, params)
    if request.htmx and request.htmx.target == "grid-results":
        return render(request, "workbench/products/_results.html", context)
    return render(request, "workbench/products/grid.html", context)


def _with_scope(params: QueryDict) -> QueryDict:
    """The form sends channel × locale as one select ("ecommerce|en_US"): split it."""
    scope = params.get("scope")
    if not scope or "|" not in scope:
        return params
    params = params.copy()
    params["channel"], params["locale"] = scope.split("|", 1)
    del params["scope"]
    return params


@login_required
@require_POST
def product_bulk(request):
    """Apply a bulk action, then show the same grid with each item's result."""
    if not bulk_actions_for(request.user):
        raise PermissionDenied
    back = QueryDict(request.POST.get("back", ""))
    status, results, errors = 200, None, []
    try:
        results = products_bulk_apply(
            user=request.user,
            skus=request.POST.getlist("items"),
            action=request.POST.get("action", ""),
            category=request.POST.get("category", ""),
        )
    except ValidationError as exc:
        status = 400
        errors = [m for messages_ in exc.message_dict.values() for m in messages_]
    context = grid_context(request, _with_scope(back))
    context.update(results=results, bulk_errors=errors, bulk_action=request.POST.get("action"))
    return render(request, "workbench/products/grid.html", context, status=status)


@login_required
@require_POST
def saved_view_create(request):
    query = request.POST.get("query", "")
    try:
        view = saved_view_save(
            user=request.user, page=PAGE, name=request.POST.get("name", ""), query=query
        )
    except ValidationError as exc:
        for message in (m for ms in exc.message_dict.values() for m in ms):
            messages.error(request, f"The view was not saved: {message}")
        return redirect(f"{reverse('workbench-products')}?{query}")
    messages.success(request, f"Saved the view “{view.name}”.")
    return redirect(f"{reverse('workbench-products')}?{view.query}")


@login_required
@require_POST
def saved_view_remove(request, view_id: int):
    saved_view_delete(user=request.user, view_id=view_id)
    messages.success(request, "Deleted the saved view.")
    return redirect(reverse("workbench-products"))


urlpatterns = [
    path("products/", product_grid, name="workbench-products"),
    path("products/_bulk/", product_bulk, name="workbench-products-bulk"),
    path("products/_views/", saved_view_create, name="workbench-products-view-save"),
    path(
        "products/_views/<int:view_id>/delete/",
        saved_view_remove,
        name="workbench-products-view-delete",
    ),
]
