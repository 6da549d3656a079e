"""The data of the product editor's Comments section, shared by the editor page (which
includes it) and the comment views (which answer it re-rendered)."""

from governance.comments import comments_for, may_delete
from pim.models import Product
from pim.policies import product_policy


def may_comment(user, product: Product) -> bool:
    """Editors (change in scope) and approvers discuss a product; viewers only read."""
    return product_policy.allows(user, "change", product) or product_policy.allows(
        user, "approve", product
    )


def comment_section(request, product: Product, *, errors=None, draft: str = "") -> dict:
    """The comments (oldest first, each with whether this user may delete it) and the form."""
    user = request.user
    return {
        # has_perm caches the user's permissions: one query for them, not one per comment.
        "comments": [(comment, may_delete(user, comment)) for comment in comments_for(product)],
        "may_comment": may_comment(user, product),
        "comment_errors": errors or [],
        "comment_draft": draft,
    }
