from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import views
from config.api import api_root
from dam import views as dam_views

handler400 = "config.problems.handler400"
handler403 = "config.problems.handler403"
handler404 = "config.problems.handler404"
handler500 = "config.problems.handler500"

admin.site.site_header = "Tessera administration"
admin.site.site_title = "Tessera admin"

api_v1 = [
    path("", api_root, name="api-root"),
    path("", include("governance.api.urls")),
    path("", include("pim.api.urls")),
    path("", include("dam.api.urls")),
    path("", include("linking.api.urls")),
]

urlpatterns = [
    path("", include("linking.views.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "r/<str:signature>/<str:profile>/<uuid:asset_uuid>",
        dam_views.rendition_delivery,
        name="rendition-delivery",
    ),
    path(
        "r/<str:signature>/<str:profile>/<uuid:asset_uuid>/<int:version>",
        dam_views.rendition_delivery,
        name="rendition-delivery-version",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # Signed links to files on local storage (S3 storage hands out presigned URLs instead).
    path("files/<str:token>/<str:filename>", views.signed_file, name="signed-file"),
]
