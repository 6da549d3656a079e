"""The workbench's routes, gathered from its page modules (mounted at the site root)."""

from linking.views import (
    asset_detail,
    assets,
    comments,
    dashboard,
    exports,
    home,
    imports,
    jobs,
    media_import,
    media_panel,
    product_editor,
    products,
    reviews,
    variants,
)

urlpatterns = [
    *home.urlpatterns,
    *products.urlpatterns,
    *variants.urlpatterns,
    *product_editor.urlpatterns,
    *comments.urlpatterns,
    *media_panel.urlpatterns,
    *assets.urlpatterns,
    *asset_detail.urlpatterns,
    *reviews.urlpatterns,
    *dashboard.urlpatterns,
    *jobs.urlpatterns,
    *imports.urlpatterns,
    *exports.urlpatterns,
    *media_import.urlpatterns,
]
