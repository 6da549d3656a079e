from django.urls import path
from rest_framework.routers import SimpleRouter

from governance.api.workflow_views import bulk_or_item
from pim.api import history_views, views, workflow_views

router = SimpleRouter(trailing_slash=False)
router.register("attribute-groups", views.AttributeGroupViewSet, basename="attribute-group")
router.register("attributes", views.AttributeViewSet, basename="attribute")
router.register("families", views.FamilyViewSet, basename="family")
router.register("family-variants", views.FamilyVariantViewSet, basename="family-variant")
router.register("association-types", views.AssociationTypeViewSet, basename="association-type")
router.register("product-models", views.ProductModelViewSet, basename="product-model")

products = views.ProductViewSet
product_workflow = workflow_views.ProductTransitionViewSet
model_workflow = workflow_views.ProductModelTransitionViewSet
# Before the detail routes, whose identifier pattern would take "transitions".
workflow_urls = [
    path(
        "products/transitions",
        bulk_or_item(
            product_workflow.as_view({"post": "bulk"}),
            products.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
            "sku",
        ),
        name="product-transitions-bulk",
    ),
    path(
        "products/<str:sku>/transitions",
        product_workflow.as_view({"get": "transitions", "post": "transitions"}),
        name="product-transitions",
    ),
    path(
        "products/<str:sku>/snapshot",
        product_workflow.as_view({"get": "snapshot"}),
        name="product-snapshot",
    ),
    path(
        "product-models/transitions",
        bulk_or_item(
            model_workflow.as_view({"post": "bulk"}),
            views.ProductModelViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
            "code",
        ),
        name="product-model-transitions-bulk",
    ),
    path(
        "product-models/<str:code>/transitions",
        model_workflow.as_view({"get": "transitions", "post": "transitions"}),
        name="product-model-transitions",
    ),
    path(
        "product-models/<str:code>/snapshot",
        model_workflow.as_view({"get": "snapshot"}),
        name="product-model-snapshot",
    ),
]
history_urls = [
    path(
        "products/<str:sku>/history",
        history_views.ProductHistoryViewSet.as_view({"get": "history"}),
        name="product-history",
    ),
    path(
        "products/<str:sku>/restore",
        history_views.ProductHistoryViewSet.as_view({"post": "restore"}),
        name="product-restore",
    ),
    path(
        "product-models/<str:code>/history",
        history_views.ProductModelHistoryViewSet.as_view({"get": "history"}),
        name="product-model-history",
    ),
]
urlpatterns = [
    *workflow_urls,
    *history_urls,
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
