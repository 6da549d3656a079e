from django.urls import path
from rest_framework.routers import SimpleRouter

from pim.api import views

router = SimpleRouter(trailing_slash=False)
router.register("attribute-groups", views.AttributeGroupViewSet, basename="attribute-group")
router.register("attributes", views.AttributeViewSet, basename="attribute")
router.register("families", views.FamilyViewSet, basename="family")
router.register("family-variants", views.FamilyVariantViewSet, basename="family-variant")
router.register("association-types", views.AssociationTypeViewSet, basename="association-type")
router.register("product-models", views.ProductModelViewSet, basename="product-model")

products = views.ProductViewSet
urlpatterns = [
    path(
        "products",
        products.as_view({"get": "list", "post": "create", "patch": "bulk_upsert"}),
        name="product-list",
    ),
    path(
        "products/<str:sku>",
        products.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="product-detail",
    ),
    *router.urls,
]
