"""Who may see and act on products and product models: the role permission AND the category
scope (see governance/policies.py). Views, the admin and the workbench ask these objects."""

from governance.policies import CategoryScopedPolicy, check_channel
from pim.models import Product, ProductModel


class ProductPolicy(CategoryScopedPolicy):
    model = Product


class ProductModelPolicy(CategoryScopedPolicy):
    model = ProductModel


product_policy = ProductPolicy()
product_model_policy = ProductModelPolicy()

__all__ = ["check_channel", "product_model_policy", "product_policy"]
