from linking.api import (
    events,
    exports,
    feed,
    imports,
    links,
    media_import,
    naming,
    reference_data,
    webhooks,
)

urlpatterns = [
    *links.urlpatterns,
    *naming.urlpatterns,
    *feed.urlpatterns,
    *events.urlpatterns,
    *webhooks.urlpatterns,
    *exports.urlpatterns,
    *reference_data.urlpatterns,
    *media_import.urlpatterns,
    *imports.urlpatterns,
]
