from linking.api import events, feed, links, naming, webhooks

urlpatterns = [
    *links.urlpatterns,
    *naming.urlpatterns,
    *feed.urlpatterns,
    *events.urlpatterns,
    *webhooks.urlpatterns,
]
