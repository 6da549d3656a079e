"""Product media panel (an htmx fragment the product editor loads): the product's linked
assets grouped by role, reordered by drag and drop or move buttons, role changes, unlinking,
picking from the library, upload-and-link in place, and readiness per channel × locale. Every
write goes through linking's services and answers the re-rendered panel."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from dam import selectors as dam_selectors
from dam.models import Asset
from dam.policies import asset_policy
from governance.models import Term
from linking.models import ProductAssetLink
from linking.selectors.links import ROLES_VOCABULARY, product_media
from linking.selectors.readiness import product_readiness
from linking.services import links as link_services
from linking.views.assets import upload_one, with_thumbnails
from pim.models import Product
from pim.policies import product_policy
from pim.services.products import sku_key

PICK_LIMIT = 12


def _product(request, sku: str) -> Product:
    """The product if the user may see it (404 otherwise)."""
    visible = product_policy.visible(request.user, Product.objects.all())
    return get_object_or_404(visible, sku_key=sku_key(sku))


def _require(request, action: str) -> None:
    if not request.user.has_perm(f"linking.{action}_productassetlink"):
        raise PermissionDenied


def _groups(product: Product) -> list[dict]:
    """The media in role order, one group per role, scope and level (own or inherited)."""
    groups: list[dict] = []
    items = product_media(product)
    with_thumbnails([item.asset for item in items])
    for item in items:
        link = item.link
        key = (
            item.role,
            link.channel.code if link.channel_id else "",
            link.locale.code if link.locale_id else "",
            item.inherited_from or "",
        )
        if not groups or groups[-1]["key"] != key:
            groups.append(
                {
                    "key": key,
                    "role": key[0],
                    "channel": key[1],
                    "locale": key[2],
                    "inherited_from": key[3],
                    "items": [],
                }
            )
        groups[-1]["items"].append(item)
    return groups


def _panel(request, product: Product, *, errors=None, uploads=None, status=200):
    perms = {
        name: request.user.has_perm(f"linking.{name}_productassetlink")
        for name in ("add", "change", "delete")
    }
    roles = list(
        Term.objects.filter(vocabulary__code=ROLES_VOCABULARY, is_deprecated=False)
        .order_by("sort_order", "code")
        .values_list("code", flat=True)
    )
    context = {
        "product": product,
        "groups": _groups(product),
        "roles": roles,
        "perms": perms,
        "can_upload": perms["add"] and request.user.has_perm("dam.add_asset"),
        "readiness": product_readiness(product=product, now=timezone.now()),
        "errors": errors or [],
        "uploads": uploads or [],
    }
    # The editor swaps the fragment in; opened on its own, it comes as a page.
    template = "_panel.html" if request.htmx else "page.html"
    return render(request, f"workbench/media_panel/{template}", context, status=status)


def _refused(request, product, exc: ValidationError):
    return _panel(request, product, errors=exc.messages, status=422)


@login_required
def media_panel(request, sku):
    return _panel(request, _product(request, sku))


def _own_link(product: Product, link_id) -> ProductAssetLink:
    return get_object_or_404(
        ProductAssetLink.objects.select_related("asset", "channel", "locale"),
        pk=link_id,
        product=product,
    )


@login_required
@require_POST
def media_reorder(request, sku):
    """A role's new order: the dropped order (`asset` uuids), or one link moved up or down."""
    product = _product(request, sku)
    _require(request, "change")
    post = request.POST
    if post.get("link"):
        link = _own_link(product, post["link"])
        siblings = list(
            ProductAssetLink.objects.filter(
                product=product, role=link.role, channel=link.channel, locale=link.locale
            )
            .select_related("asset")
            .order_by("position", "id")
        )
        order = [str(row.asset.uuid) for row in siblings]
        index = order.index(str(link.asset.uuid))
        target = index - 1 if post.get("direction") == "up" else index + 1
        if 0 <= target < len(order):
            order[index], order[target] = order[target], order[index]
        role = link.role
        channel = link.channel.code if link.channel_id else None
        locale = link.locale.code if link.locale_id else None
    else:
        order, role = post.getlist("asset"), post.get("role", "")
        channel, locale = post.get("channel") or None, post.get("locale") or None
    try:
        link_services.links_reorder(
            product=product, role=role, asset_uuids=order, channel=channel, locale=locale
        )
    except ValidationError as exc:
        return _refused(request, product, exc)
    return _panel(request, product)


@login_required
@require_POST
def media_role(request, sku, link_id):
    product = _product(request, sku)
    _require(request, "change")
    link = _own_link(product, link_id)
    try:
        link_services.link_update(link=link, changes={"role": request.POST.get("role", "")})
    except ValidationError as exc:
        return _refused(request, product, exc)
    return _panel(request, product)


@login_required
@require_POST
def media_unlink(request, sku, link_id):
    product = _product(request, sku)
    _require(request, "delete")
    link_services.link_remove(link=_own_link(product, link_id))
    return _panel(request, product)


@login_required
def media_pick(request, sku):
    """Library search results to link from (the assets the user may see)."""
    product = _product(request, sku)
    _require(request, "add")
    q = request.GET.get("q", "").strip()
    found = []
    if q:
        visible = asset_policy.visible(request.user, dam_selectors.asset_list())
        found = with_thumbnails(
            list(dam_selectors.asset_filter(visible, {"q": q}).order_by("-pk")[:PICK_LIMIT])
        )
    context = {"product": product, "found": found, "q": q}
    return render(request, "workbench/media_panel/_pick_results.html", context)


@login_required
@require_POST
def media_link(request, sku):
    product = _product(request, sku)
    _require(request, "add")
    visible = asset_policy.visible(request.user, Asset.objects.all())
    asset = get_object_or_404(visible, uuid=request.POST.get("asset"))
    try:
        link_services.link_add(asset=asset, product=product, role=request.POST.get("role", ""))
    except ValidationError as exc:
        return _refused(request, product, exc)
    return _panel(request, product)


@login_required
@require_POST
def media_upload(request, sku):
    """Upload each file on its own (one refusal does not stop the others) and link it."""
    product = _product(request, sku)
    _require(request, "add")
    if not request.user.has_perm("dam.add_asset"):
        raise PermissionDenied
    role = request.POST.get("role", "")
    try:
        link_services.role_clean(role)
    except ValidationError as exc:
        return _refused(request, product, exc)
    outcomes = []
    for file in request.FILES.getlist("file"):
        outcome = upload_one(request, file, None)
        if outcome.get("asset") is not None:
            link_services.link_add(asset=outcome["asset"], product=product, role=role)
        outcomes.append(outcome)
    if not outcomes:
        outcomes = [{"name": "", "refused": ["Choose one or more files."]}]
    status = 422 if all(o.get("refused") for o in outcomes) else 200
    return _panel(request, product, uploads=outcomes, status=status)


PANEL = "products/<str:sku>/media-panel/"
urlpatterns = [
    path(PANEL, media_panel, name="workbench-product-media"),
    path(PANEL + "reorder/", media_reorder, name="workbench-product-media-reorder"),
    path(PANEL + "links/<int:link_id>/role/", media_role, name="workbench-product-media-role"),
    path(
        PANEL + "links/<int:link_id>/unlink/", media_unlink, name="workbench-product-media-unlink"
    ),
    path(PANEL + "pick/", media_pick, name="workbench-product-media-pick"),
    path(PANEL + "link/", media_link, name="workbench-product-media-link"),
    path(PANEL + "upload/", media_upload, name="workbench-product-media-upload"),
]
