from rest_framework.routers import SimpleRouter

from governance.api import views

router = SimpleRouter(trailing_slash=False)
router.register("locales", views.LocaleViewSet, basename="locale")
router.register("currencies", views.CurrencyViewSet, basename="currency")
router.register("channels", views.ChannelViewSet, basename="channel")
router.register("vocabularies", views.VocabularyViewSet, basename="vocabulary")
router.register(
    r"vocabularies/(?P<vocabulary_code>[^/]+)/terms", views.TermViewSet, basename="term"
)
router.register("categories", views.CategoryViewSet, basename="category")
router.register("category-trees", views.CategoryTreeViewSet, basename="category-tree")

urlpatterns = router.urls
