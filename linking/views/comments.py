"""Comments on a product in its editor: add (editors and approvers) and delete (the author,
or an administrator). With htmx the Comments section is answered re-rendered; without it the
browser is sent back to the editor's #comments (a refused comment re-shows the page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from governance.comments import comment_add, comment_delete, comments_for, may_delete
from linking.views import product_editor
from linking.views.comment_section import comment_section, may_comment

SECTION = "workbench/product_editor/_comments.html"


def _answer(request, product, *, errors=None, draft: str = "", status: int = 200):
    if request.htmx:
        context = {
            "product": product,
            **comment_section(request, product, errors=errors, draft=draft),
        }
        return render(request, SECTION, context, status=status)
    if errors:
        context = product_editor._context(request, product)
        context.update(comment_section(request, product, errors=errors, draft=draft))
        return render(request, "workbench/product_editor/page.html", context, status=status)
    return redirect(reverse("workbench-product", args=[product.sku]) + "#comments")


@login_required
@require_POST
def product_comment_add(request, sku):
    """Post a plain-text comment on the product (refused text is shown next to the field)."""
    product = product_editor._product(request, sku)
    if not may_comment(request.user, product):
        raise PermissionDenied
    text = request.POST.get("text", "")
    try:
        comment_add(obj=product, text=text)
    except ValidationError as exc:
        return _answer(request, product, errors=exc.messages, draft=text, status=422)
    if not request.htmx:
        messages.success(request, "Comment posted.")
    return _answer(request, product)


@login_required
@require_POST
def product_comment_delete(request, sku, comment_id):
    """Delete one of the product's comments: the author's own, or any for an administrator."""
    product = product_editor._product(request, sku)
    comment = get_object_or_404(comments_for(product), pk=comment_id)
    if not may_delete(request.user, comment):
        raise PermissionDenied
    comment_delete(comment=comment)
    if not request.htmx:
        messages.success(request, "Comment deleted.")
    return _answer(request, product)


urlpatterns = [
    path("products/<str:sku>/comments/", product_comment_add, name="workbench-product-comment-add"),
    path(
        "products/<str:sku>/comments/<int:comment_id>/delete/",
        product_comment_delete,
        name="workbench-product-comment-delete",
    ),
]
