from django.urls import path
from rest_framework.routers import SimpleRouter

from dam.api import history_views, views, workflow_views

router = SimpleRouter(trailing_slash=False)
router.register("assets", views.AssetViewSet, basename="asset")
router.register("collections", views.CollectionViewSet, basename="collection")
router.register("rendition-profiles", views.RenditionProfileViewSet, basename="rendition-profile")
router.register("upload-presets", views.UploadPresetViewSet, basename="upload-preset")

asset_workflow = workflow_views.AssetTransitionViewSet
# Before the router's detail route, whose identifier pattern would take "transitions".
workflow_urls = [
    path(
        "assets/transitions",
        asset_workflow.as_view({"post": "bulk"}),
        name="asset-transitions-bulk",
    ),
    path(
        "assets/<str:uuid>/transitions",
        asset_workflow.as_view({"get": "transitions", "post": "transitions"}),
        name="asset-transitions",
    ),
    path(
        "assets/<str:uuid>/snapshot",
        asset_workflow.as_view({"get": "snapshot"}),
        name="asset-snapshot",
    ),
]
history_urls = [
    path(
        "assets/<str:uuid>/history",
        history_views.AssetHistoryViewSet.as_view({"get": "history"}),
        name="asset-history",
    ),
    path(
        "assets/<str:uuid>/restore-revision",
        history_views.AssetHistoryViewSet.as_view({"post": "restore_revision"}),
        name="asset-restore-revision",
    ),
]
urlpatterns = [*workflow_urls, *history_urls, *router.urls]
