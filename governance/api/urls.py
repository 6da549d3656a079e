from rest_framework.routers import SimpleRouter

from governance.api import views

router = SimpleRouter(trailing_slash=False)
router.register("locales", views.LocaleViewSet, basename="locale")
router.register("currencies", views.CurrencyViewSet, basename="currency")
router.register("channels", views.ChannelViewSet, basename="channel")

urlpatterns = router.urls
