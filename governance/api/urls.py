from rest_framework.routers import SimpleRouter

from governance.api import (
    api_key_views,
    audit_views,
    change_request_views,
    job_views,
    quality_views,
    views,
    workflow_views,
)

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
router.register("api-keys", api_key_views.ApiKeyViewSet, basename="api-key")
router.register(
    "change-requests", change_request_views.ChangeRequestViewSet, basename="change-request"
)
router.register("notifications", workflow_views.NotificationViewSet, basename="notification")
router.register("quality-checks", quality_views.QualityCheckViewSet, basename="quality-check")
router.register("quality-runs", quality_views.QualityRunViewSet, basename="quality-run")
router.register("audit", audit_views.AuditRecordViewSet, basename="audit-record")
router.register("jobs", job_views.JobViewSet, basename="job")

urlpatterns = router.urls
