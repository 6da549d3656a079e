from rest_framework.routers import SimpleRouter

from dam.api import views

router = SimpleRouter(trailing_slash=False)
router.register("assets", views.AssetViewSet, basename="asset")
router.register("collections", views.CollectionViewSet, basename="collection")
router.register("rendition-profiles", views.RenditionProfileViewSet, basename="rendition-profile")
router.register("upload-presets", views.UploadPresetViewSet, basename="upload-preset")

urlpatterns = router.urls
