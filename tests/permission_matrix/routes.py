"""The permission matrix: every route of the project, each HTTP method its view allows, and
the status each principal must get. A route missing here fails the test by name.

Left out by rule, not by accident: every route under /admin/ except the admin's index (the
admin's own pages are guarded by the model permissions and the policies' ModelAdmin hooks,
tested in tests/*/test_admin.py and test_policies.py)."""

from dataclasses import dataclass, field

from tests.permission_matrix.profiles import (
    ADMIN_ONLY,
    CREATE_PRODUCTS,
    EDIT_ASSETS,
    EDIT_PRODUCTS,
    LIBRARIANS,
    LOGIN_PAGE,
    LOGIN_REQUIRED_PAGE,
    LOGOUT,
    MANAGE_LIBRARY,
    MANAGE_METADATA,
    OWN_PRODUCTS,
    PRODUCT_OWNERS,
    PUBLIC_200,
    READ_ANY,
    READ_IN_CHANNEL,
    REQUEST_CHANGES,
    RUN_QUALITY,
    only,
    page,
    page_only,
    profile,
)

EXCLUDED_PREFIXES = ("admin/",)  # …but "admin/" itself is in the matrix
MULTIPART = object()  # send an empty multipart form instead of `{}`
NDJSON = ("\n", "application/x-ndjson")  # no line: nothing to upsert (422 once allowed)


@dataclass
class Route:
    path: str  # `{name}` placeholders from World.names
    methods: dict[str, dict[str, int]]
    bodies: dict = field(default_factory=dict)  # method → MULTIPART or (body, content type)


def crud(path, *, read, create=None, change=None, delete=None, methods=("get",)):
    chosen = {"get": read}
    for method, expected in (("post", create), ("patch", change), ("delete", delete)):
        if expected is not None:
            chosen[method] = expected
    return Route(path, chosen)


SUBMIT = ('{"action": "submit"}', "application/json")
RETIRE = ('{"action": "retire"}', "application/json")
RETIRE_BOOT = ('{"action": "retire", "items": ["boot"]}', "application/json")
SUBMIT_MODEL = ('{"action": "submit", "items": ["shirt_model"]}', "application/json")
SUBMIT_ASSET = ('{"action": "submit", "items": ["{asset}"]}', "application/json")

# Who may link assets to products: the roles holding linking's link permissions, and their keys.
LINK_WRITERS = (
    "administrator",
    "product_data_owner",
    "product_editor",
    "asset_librarian",
    "write_key",
    "other_channel_key",
)
LINK_WRITES = lambda ok, **special: only(ok, LINK_WRITERS, **special)  # noqa: E731

# The people of ASSET_WRITERS and LINK_WRITERS (keys are anonymous on HTML pages).
ASSET_PEOPLE = ("administrator", "asset_librarian", "asset_contributor")
LINK_PEOPLE = ("administrator", "product_data_owner", "product_editor", "asset_librarian")

V1 = "/api/v1"
# People who edit products in the workbench (keys are anonymous on HTML pages).
PRODUCT_EDITORS_PAGE = ("administrator", "product_data_owner", "product_editor")
ASSET = V1 + "/assets/{asset}"

ROUTES: dict[str, Route] = {
    # Pages and plumbing
    "home": Route("/", {"get": LOGIN_REQUIRED_PAGE}),
    "login": Route("/accounts/login/", {"get": LOGIN_PAGE, "post": LOGIN_PAGE, "put": LOGIN_PAGE}),
    "logout": Route("/accounts/logout/", {"post": LOGOUT}),
    "admin:index": Route("/admin/", {"get": LOGIN_REQUIRED_PAGE}),
    "healthz": Route("/healthz", {"get": PUBLIC_200}),
    "readyz": Route("/readyz", {"get": PUBLIC_200}),
    "signed-file": Route("/files/not-a-token/x.jpg", {"get": profile(404, anonymous=404)}),
    # A signed link: whoever holds it is sent on to the file, signed in or not.
    "rendition-delivery": Route("{rendition}", {"get": profile(302, anonymous=302)}),
    "rendition-delivery-version": Route(
        "{rendition_version}", {"get": profile(302, anonymous=302)}
    ),
    "api-schema": Route("/api/schema/", {"get": READ_ANY}),
    "api-docs": Route("/api/docs/", {"get": READ_ANY}),
    "api-root": Route(V1 + "/", {"get": READ_ANY}),
    # Shared language
    "locale-list": crud(V1 + "/locales", read=READ_ANY, create=ADMIN_ONLY(422)),
    "locale-detail": crud(V1 + "/locales/en_US", read=READ_ANY, change=ADMIN_ONLY(200)),
    "currency-list": crud(V1 + "/currencies", read=READ_ANY, create=ADMIN_ONLY(422)),
    "currency-detail": crud(V1 + "/currencies/EUR", read=READ_ANY, change=ADMIN_ONLY(200)),
    "channel-list": crud(V1 + "/channels", read=READ_ANY, create=ADMIN_ONLY(422)),
    "channel-detail": crud(
        V1 + "/channels/web",
        read=READ_IN_CHANNEL,
        change=ADMIN_ONLY(200),
        delete=ADMIN_ONLY(204),
    ),
    "vocabulary-list": crud(V1 + "/vocabularies", read=READ_ANY, create=MANAGE_METADATA(422)),
    "vocabulary-detail": crud(
        V1 + "/vocabularies/empty",
        read=READ_ANY,
        change=MANAGE_METADATA(200),
        delete=MANAGE_METADATA(204),
    ),
    "term-list": crud(
        V1 + "/vocabularies/colors/terms", read=READ_ANY, create=MANAGE_METADATA(422)
    ),
    "term-detail": crud(
        V1 + "/vocabularies/colors/terms/{term}",
        read=READ_ANY,
        change=MANAGE_METADATA(200),
        delete=MANAGE_METADATA(204),
    ),
    "category-list": crud(V1 + "/categories", read=READ_ANY, create=MANAGE_METADATA(422)),
    "category-detail": crud(
        V1 + "/categories/{category}",
        read=READ_ANY,
        change=MANAGE_METADATA(200),
        delete=MANAGE_METADATA(204),
    ),
    "category-tree-list": crud(V1 + "/category-trees", read=READ_ANY),
    "category-tree-detail": crud(V1 + "/category-trees/master", read=READ_ANY),
    # Governance: keys, change requests, notifications, quality, audit
    "api-key-list": crud(V1 + "/api-keys", read=ADMIN_ONLY(200), create=ADMIN_ONLY(422)),
    "api-key-detail": crud(
        V1 + "/api-keys/{read_key_prefix}", read=ADMIN_ONLY(200), change=ADMIN_ONLY(200)
    ),
    "api-key-revoke": Route(V1 + "/api-keys/{read_key_prefix}/revoke", {"post": ADMIN_ONLY(200)}),
    "api-key-rotate": Route(V1 + "/api-keys/{read_key_prefix}/rotate", {"post": ADMIN_ONLY(422)}),
    "change-request-list": crud(
        V1 + "/change-requests", read=READ_ANY, create=REQUEST_CHANGES(422)
    ),
    "change-request-detail": crud(V1 + "/change-requests/{change_request}", read=READ_ANY),
    "change-request-approve": Route(
        V1 + "/change-requests/{change_request}/approve", {"post": MANAGE_METADATA(200)}
    ),
    "change-request-reject": Route(
        V1 + "/change-requests/{change_request}/reject", {"post": MANAGE_METADATA(422)}
    ),
    "notification-list": crud(V1 + "/notifications", read=READ_ANY),
    # A notification is its recipient's (the viewer's): anyone else does not find it.
    "notification-read": Route(
        V1 + "/notifications/{notification}/read",
        {"post": profile(404, viewer=200, read_key=403)},  # a read key writes nothing
    ),
    "quality-check-list": crud(V1 + "/quality-checks", read=READ_ANY),
    "quality-run-list": crud(V1 + "/quality-runs", read=READ_ANY, create=RUN_QUALITY(202)),
    "quality-run-detail": crud(V1 + "/quality-runs/{quality_run}", read=READ_ANY),
    "quality-run-findings": crud(V1 + "/quality-runs/{quality_run}/findings", read=READ_ANY),
    "quality-run-findings-csv": crud(
        V1 + "/quality-runs/{quality_run}/findings.csv", read=READ_ANY
    ),
    # The whole trail crosses every scope: administrators only (per-object history is scoped).
    "audit-record-list": crud(V1 + "/audit", read=ADMIN_ONLY(200)),
    # Catalog
    "product-list": Route(
        V1 + "/products",
        {
            "get": READ_ANY,
            "post": CREATE_PRODUCTS(422),
            "patch": only(
                422,
                (
                    "administrator",
                    "product_data_owner",
                    "product_editor",
                    "write_key",
                    "other_channel_key",
                ),
            ),
        },
        bodies={"patch": NDJSON},
    ),
    "product-detail": crud(
        V1 + "/products/{sku}",
        read=READ_IN_CHANNEL,
        change=EDIT_PRODUCTS(200),
        delete=OWN_PRODUCTS(204),
    ),
    # The product is approved: retiring it is the owners' (four eyes do not apply).
    "product-transitions": Route(
        V1 + "/products/{sku}/transitions",
        {"get": READ_IN_CHANNEL, "post": OWN_PRODUCTS(200, other_channel_key=404)},
        {"post": RETIRE},
    ),
    "product-transitions-bulk": Route(
        V1 + "/products/transitions", {"post": OWN_PRODUCTS(200)}, {"post": RETIRE_BOOT}
    ),
    "product-snapshot": crud(V1 + "/products/{sku}/snapshot", read=READ_IN_CHANNEL),
    "product-history": crud(V1 + "/products/{sku}/history", read=READ_IN_CHANNEL),
    "product-restore": Route(V1 + "/products/{sku}/restore", {"post": EDIT_PRODUCTS(422)}),
    "product-model-list": crud(V1 + "/product-models", read=READ_ANY, create=CREATE_PRODUCTS(422)),
    "product-model-detail": crud(
        V1 + "/product-models/shirt_model", read=READ_IN_CHANNEL, change=EDIT_PRODUCTS(200)
    ),
    "product-model-transitions": Route(
        V1 + "/product-models/shirt_model/transitions",
        {"get": READ_IN_CHANNEL, "post": EDIT_PRODUCTS(200)},
        {"post": SUBMIT},
    ),
    # Bulk reports per item: the other channel's key does not find the model (200, item 404).
    "product-model-transitions-bulk": Route(
        V1 + "/product-models/transitions", {"post": CREATE_PRODUCTS(200)}, {"post": SUBMIT_MODEL}
    ),
    "product-model-snapshot": crud(V1 + "/product-models/shirt_model/snapshot", read=profile(404)),
    "product-model-history": crud(V1 + "/product-models/shirt_model/history", read=READ_IN_CHANNEL),
    "attribute-group-list": crud(
        V1 + "/attribute-groups", read=READ_ANY, create=MANAGE_METADATA(422)
    ),
    "attribute-group-detail": crud(
        V1 + "/attribute-groups/spare",
        read=READ_ANY,
        change=MANAGE_METADATA(200),
        delete=MANAGE_METADATA(204),
    ),
    "attribute-list": crud(V1 + "/attributes", read=READ_ANY, create=MANAGE_METADATA(422)),
    "attribute-detail": crud(
        V1 + "/attributes/spare_text",
        read=READ_ANY,
        change=MANAGE_METADATA(200),
        delete=MANAGE_METADATA(204),
    ),
    "family-list": crud(V1 + "/families", read=READ_ANY, create=MANAGE_METADATA(422)),
    "family-detail": crud(
        V1 + "/families/spare_family",
        read=READ_ANY,
        change=MANAGE_METADATA(200),
        delete=MANAGE_METADATA(204),
    ),
    "family-variant-list": crud(
        V1 + "/family-variants", read=READ_ANY, create=MANAGE_METADATA(422)
    ),
    "family-variant-detail": crud(
        V1 + "/family-variants/spare_variant",
        read=READ_ANY,
        change=MANAGE_METADATA(200),
        delete=MANAGE_METADATA(204),
    ),
    "association-type-list": crud(
        V1 + "/association-types", read=READ_ANY, create=MANAGE_METADATA(422)
    ),
    "association-type-detail": crud(
        V1 + "/association-types/related",
        read=READ_ANY,
        change=MANAGE_METADATA(200),
        delete=MANAGE_METADATA(204),
    ),
    # Asset library (the asset is the Asset Contributor's own draft)
    "asset-list": Route(
        V1 + "/assets", {"get": READ_ANY, "post": EDIT_ASSETS(422)}, {"post": MULTIPART}
    ),
    "asset-detail": crud(ASSET, read=READ_ANY, change=EDIT_ASSETS(200), delete=MANAGE_LIBRARY(204)),
    "asset-duplicates": crud(ASSET + "/duplicates", read=READ_ANY),
    "asset-renditions": crud(ASSET + "/renditions", read=READ_ANY, create=EDIT_ASSETS(422)),
    "asset-versions": Route(
        ASSET + "/versions", {"get": READ_ANY, "post": EDIT_ASSETS(422)}, {"post": MULTIPART}
    ),
    "asset-restore": Route(ASSET + "/versions/1/restore", {"post": EDIT_ASSETS(422)}),
    "asset-rights": crud(ASSET + "/rights", read=READ_ANY, create=EDIT_ASSETS(422)),
    # Deleting goes by the asset's delete permission (the HTTP method's), which contributors
    # lack, although they may add and change their own draft's rights.
    "asset-right": Route(
        ASSET + "/rights/{right}", {"patch": EDIT_ASSETS(200), "delete": MANAGE_LIBRARY(204)}
    ),
    # Without channel and territory the question cannot be answered: 422 for every reader.
    "asset-usable": crud(ASSET + "/usable", read=profile(422)),
    "asset-transitions": Route(
        ASSET + "/transitions", {"get": READ_ANY, "post": EDIT_ASSETS(200)}, {"post": SUBMIT}
    ),
    "asset-transitions-bulk": Route(
        V1 + "/assets/transitions", {"post": EDIT_ASSETS(200)}, {"post": SUBMIT_ASSET}
    ),
    "asset-snapshot": crud(ASSET + "/snapshot", read=profile(404)),  # never approved
    "asset-history": crud(ASSET + "/history", read=READ_ANY),
    "asset-restore-revision": Route(ASSET + "/restore-revision", {"post": EDIT_ASSETS(422)}),
    "collection-list": crud(V1 + "/collections", read=READ_ANY, create=MANAGE_LIBRARY(422)),
    "collection-detail": crud(
        V1 + "/collections/archive",
        read=READ_ANY,
        change=MANAGE_LIBRARY(200),
        delete=MANAGE_LIBRARY(204),
    ),
    "rendition-profile-list": crud(
        V1 + "/rendition-profiles", read=READ_ANY, create=MANAGE_LIBRARY(422)
    ),
    "rendition-profile-export": crud(V1 + "/rendition-profiles/export", read=READ_ANY),
    "rendition-profile-import-profiles": Route(
        V1 + "/rendition-profiles/import", {"post": MANAGE_LIBRARY(422)}
    ),
    "rendition-profile-detail": crud(
        V1 + "/rendition-profiles/thumb",
        read=READ_ANY,
        change=MANAGE_LIBRARY(200),
        delete=MANAGE_LIBRARY(204),
    ),
    "upload-preset-list": crud(V1 + "/upload-presets", read=READ_ANY, create=MANAGE_LIBRARY(422)),
    "upload-preset-detail": crud(
        V1 + "/upload-presets/default",
        read=READ_ANY,
        change=MANAGE_LIBRARY(200),
        delete=MANAGE_LIBRARY(204),
    ),
    # Linking: product↔asset links (issue #6). Linking is the role's own right (Product Editors,
    # Asset Librarians and their keys), within the category scope: the other channel's key does
    # not find this channel's product or its links (404); a body `{}` is incomplete (422).
    "link-list": crud(V1 + "/links", read=READ_ANY, create=LINK_WRITES(422)),
    "link-detail": crud(
        V1 + "/links/{link}",
        read=READ_IN_CHANNEL,
        change=LINK_WRITES(200, other_channel_key=404),
        delete=LINK_WRITES(204, other_channel_key=404),
    ),
    "product-media": crud(V1 + "/products/{sku}/media", read=READ_IN_CHANNEL),
    "product-media-reorder": Route(
        V1 + "/products/{sku}/media/reorder", {"post": LINK_WRITES(422, other_channel_key=404)}
    ),
    "product-model-media": crud(V1 + "/product-models/shirt_model/media", read=READ_IN_CHANNEL),
    "product-model-media-reorder": Route(
        V1 + "/product-models/shirt_model/media/reorder",
        {"post": LINK_WRITES(422, other_channel_key=404)},
    ),
    "asset-where-used": crud(ASSET + "/where-used", read=READ_ANY),
    # Naming rules and the relink job (issue #6): the Asset Librarian's. Testing a name is a
    # question anyone who reads rules may ask (a read key sends no POST at all).
    "naming-rule-list": crud(V1 + "/naming-rules", read=READ_ANY, create=MANAGE_LIBRARY(422)),
    "naming-rule-detail": crud(
        V1 + "/naming-rules/{naming_rule}",
        read=READ_ANY,
        change=MANAGE_LIBRARY(200),
        delete=MANAGE_LIBRARY(204),
    ),
    "naming-rule-test": Route(V1 + "/naming-rules/test", {"post": profile(422, read_key=403)}),
    "relink-job-list": Route(V1 + "/relink-jobs", {"post": MANAGE_LIBRARY(202)}),
    # Media import (issue #8): uploading ZIPs and files needs dam.add_asset (no file: 422);
    # importing from URLs links too, so it needs linking.add_productassetlink as well.
    "media-import-list": Route(
        V1 + "/media-imports", {"post": EDIT_ASSETS(422)}, {"post": MULTIPART}
    ),
    "media-import-urls": Route(V1 + "/media-imports/urls", {"post": MANAGE_LIBRARY(422)}),
    # Reference data (issue #8): everyone reads every kind, so exports it. Importing needs add
    # and change of the file's kinds: who holds them for some kind gets 422 for an empty
    # document (it names no kind); everyone else 403 before the body is read.
    "reference-data": Route(
        V1 + "/reference-data",
        {
            "get": READ_ANY,
            "post": only(422, ("administrator", "metadata_manager", "asset_librarian")),
        },
    ),
    "reference-data-csv": crud(V1 + "/reference-data/attributes.csv", read=READ_ANY),
    # Exports (issue #8): whoever reads products may export a channel they see (an empty body
    # names no channel: 422; a read key writes nothing). Scheduled exports are read by everyone
    # (the other channel's key does not find `web`'s) and kept by the product data owners.
    "export-list": Route(V1 + "/exports", {"post": profile(422, read_key=403)}),
    "scheduled-export-list": crud(
        V1 + "/scheduled-exports", read=READ_ANY, create=OWN_PRODUCTS(422)
    ),
    "scheduled-export-detail": crud(
        V1 + "/scheduled-exports/nightly",
        read=READ_IN_CHANNEL,
        change=OWN_PRODUCTS(200),
        delete=OWN_PRODUCTS(204),
    ),
    # Product imports (issue #8): starting one (or a preview) needs add and change of products
    # (no file: 422). An import job is its starter's (the editor's) and administrators'; its
    # dry run is still queued, so a commit is refused (409). Import profiles are read by all
    # and kept by those who import.
    "import-list": Route(V1 + "/imports", {"post": CREATE_PRODUCTS(422)}, {"post": MULTIPART}),
    "import-preview": Route(
        V1 + "/imports/preview", {"post": CREATE_PRODUCTS(422)}, {"post": MULTIPART}
    ),
    "import-detail": crud(
        V1 + "/imports/{import_job}", read=profile(404, administrator=200, product_editor=200)
    ),
    "import-commit": Route(
        V1 + "/imports/{import_job}/commit",
        {"post": profile(404, administrator=409, product_editor=409, read_key=403)},
    ),
    "import-profile-list": crud(
        V1 + "/import-profiles", read=READ_ANY, create=CREATE_PRODUCTS(422)
    ),
    "import-profile-detail": crud(
        V1 + "/import-profiles/supplier",
        read=READ_ANY,
        change=CREATE_PRODUCTS(200),
        delete=CREATE_PRODUCTS(204),
    ),
    # Jobs: everyone lists their own; a job is its starter's (the librarian) and administrators'.
    "job-list": crud(V1 + "/jobs", read=READ_ANY),
    "job-detail": crud(
        V1 + "/jobs/{job}", read=profile(404, administrator=200, asset_librarian=200)
    ),
    "job-files": Route(
        V1 + "/jobs/{job}/files/0", {"get": profile(404, administrator=302, asset_librarian=302)}
    ),
    # Events (issue #6): the change feed is read by administrators and every key (a restricted
    # key sees its channel's events); webhooks are the administrators' alone, never a key's.
    "event-list": crud(
        V1 + "/events",
        read=only(200, ("administrator", "read_key", "write_key", "other_channel_key")),
    ),
    "webhook-list": crud(V1 + "/webhooks", read=ADMIN_ONLY(200), create=ADMIN_ONLY(422)),
    "webhook-detail": crud(
        V1 + "/webhooks/{webhook}",
        read=ADMIN_ONLY(200),
        change=ADMIN_ONLY(200),
        delete=ADMIN_ONLY(204),
    ),
    "webhook-rotate-secret": Route(
        V1 + "/webhooks/{webhook}/rotate-secret", {"post": ADMIN_ONLY(201)}
    ),
    "webhook-deliveries": crud(V1 + "/webhooks/{webhook}/deliveries", read=ADMIN_ONLY(200)),
    "webhook-delivery-redeliver": Route(
        V1 + "/webhook-deliveries/{webhook_message}/redeliver", {"post": ADMIN_ONLY(202)}
    ),
    # Readiness and the channel feed (issue #6): whoever reads products reads the feed of a
    # channel they may see (the other channel's key: 404); media requirements and policies are
    # the Metadata Manager's, placeholders the Asset Librarian's (the `web` channel's rows).
    "channel-feed": crud(V1 + "/channels/web/products", read=READ_IN_CHANNEL),
    "channel-feed-document": crud(V1 + "/channels/web/products/{sku}", read=READ_IN_CHANNEL),
    "product-readiness": crud(V1 + "/products/{sku}/readiness", read=READ_IN_CHANNEL),
    "media-requirement-list": crud(
        V1 + "/media-requirements", read=READ_ANY, create=MANAGE_METADATA(422)
    ),
    "media-requirement-detail": crud(
        V1 + "/media-requirements/{media_requirement}",
        read=READ_IN_CHANNEL,
        change=MANAGE_METADATA(200),
        delete=MANAGE_METADATA(204),
    ),
    "fallback-media-list": crud(V1 + "/fallback-media", read=READ_ANY, create=MANAGE_LIBRARY(422)),
    "fallback-media-detail": crud(
        V1 + "/fallback-media/{fallback_media}",
        read=READ_IN_CHANNEL,
        change=MANAGE_LIBRARY(200),
        delete=MANAGE_LIBRARY(204),
    ),
    "media-policy": Route(
        V1 + "/channels/web/media-policy", {"get": READ_IN_CHANNEL, "put": MANAGE_METADATA(200)}
    ),
    # Workbench asset library, asset detail and product media panel (issue #7): every
    # signed-in person reads them (in scope); writes need the asset's change permission in
    # scope (an empty form: 422, or 302 for an empty metadata save), uploads dam.add_asset,
    # the media panel's writes linking's link permissions (an empty form: 422; no link: 404).
    "workbench-assets": Route("/assets/", {"get": LOGIN_REQUIRED_PAGE}),
    # Jobs: a librarian starts a relink (its redirect to the job page); a job's page is its
    # starter's (the librarian's) and the administrators'.
    "workbench-relink": Route("/assets/relink/", {"post": page_only(302, LIBRARIANS)}),
    # Media import page (issue #8): uploaders open it; posting no file re-shows it with the error.
    "workbench-media-import": Route(
        "/assets/import/",
        {"get": page_only(200, ASSET_PEOPLE), "post": page_only(422, ASSET_PEOPLE)},
    ),
    # Exports: every signed-in person reads products, so opens the page and may export (an
    # empty form names no channel: 422).
    "workbench-exports": Route("/exports/", {"get": LOGIN_REQUIRED_PAGE, "post": page(422, 302)}),
    "workbench-job": Route("/jobs/{job}/", {"get": page_only(200, LIBRARIANS, denied=404)}),
    # Product imports (issue #8): the pages of those who may import products (no file: 422;
    # an unknown upload: 404); an import job's page is its starter's and administrators', and
    # its queued dry run cannot be committed (back to its page: 302).
    "workbench-imports": Route(
        "/imports/",
        {
            "get": page_only(200, PRODUCT_EDITORS_PAGE),
            "post": page_only(422, PRODUCT_EDITORS_PAGE),
        },
    ),
    "workbench-import-map": Route(
        "/imports/map/not-a-token/",
        {
            "get": page_only(404, PRODUCT_EDITORS_PAGE),
            "post": page_only(404, PRODUCT_EDITORS_PAGE),
        },
    ),
    "workbench-import-job": Route(
        "/imports/jobs/{import_job}/",
        {"get": page_only(200, ("administrator", "product_editor"), denied=404)},
    ),
    "workbench-import-commit": Route(
        "/imports/jobs/{import_job}/commit/",
        {"post": page_only(302, ("administrator", "product_editor"), denied=404)},
    ),
    "workbench-job-file": Route(
        "/jobs/{job}/files/0/", {"get": page_only(302, LIBRARIANS, denied=404)}
    ),
    "workbench-asset-upload": Route("/assets/upload/", {"post": page_only(422, ASSET_PEOPLE)}),
    "workbench-asset-bulk": Route("/assets/bulk/", {"post": page_only(422, ASSET_PEOPLE)}),
    "workbench-asset": Route("/assets/{asset}/", {"get": LOGIN_REQUIRED_PAGE}),
    "workbench-asset-metadata": Route(
        "/assets/{asset}/metadata/", {"post": page_only(302, ASSET_PEOPLE)}
    ),
    "workbench-asset-focal": Route(
        "/assets/{asset}/focal-point/", {"post": page_only(422, ASSET_PEOPLE)}
    ),
    "workbench-asset-right": Route(
        "/assets/{asset}/rights/", {"post": page_only(422, ASSET_PEOPLE)}
    ),
    "workbench-asset-right-delete": Route(
        "/assets/{asset}/rights/0/delete/", {"post": page_only(404, ASSET_PEOPLE)}
    ),
    "workbench-asset-version": Route(
        "/assets/{asset}/versions/", {"post": page_only(422, ASSET_PEOPLE)}
    ),
    "workbench-asset-restore": Route(
        "/assets/{asset}/versions/99/restore/", {"post": page_only(422, ASSET_PEOPLE)}
    ),
    "workbench-asset-transition": Route(
        "/assets/{asset}/transition/",
        {"post": page_only(422, ("administrator", "asset_librarian"))},
        bodies={"post": ("action=approve", "application/x-www-form-urlencoded")},
    ),
    "workbench-product-media": Route("/products/{sku}/media-panel/", {"get": LOGIN_REQUIRED_PAGE}),
    "workbench-product-media-reorder": Route(
        "/products/{sku}/media-panel/reorder/", {"post": page_only(422, LINK_PEOPLE)}
    ),
    "workbench-product-media-role": Route(
        "/products/{sku}/media-panel/links/0/role/", {"post": page_only(404, LINK_PEOPLE)}
    ),
    "workbench-product-media-unlink": Route(
        "/products/{sku}/media-panel/links/0/unlink/", {"post": page_only(404, LINK_PEOPLE)}
    ),
    "workbench-product-media-pick": Route(
        "/products/{sku}/media-panel/pick/", {"get": page_only(200, LINK_PEOPLE)}
    ),
    "workbench-product-media-link": Route(
        "/products/{sku}/media-panel/link/", {"post": page_only(404, LINK_PEOPLE)}
    ),
    "workbench-product-media-upload": Route(
        "/products/{sku}/media-panel/upload/",
        {"post": page_only(422, ("administrator", "asset_librarian"))},
    ),
    # Workbench review queues and dashboard (issue #7): every signed-in person opens them (the
    # queue lists only what they may approve); deciding needs the approve permission in scope
    # (an empty form is then re-shown with its error, 200).
    "workbench-reviews": Route("/reviews/", {"get": LOGIN_REQUIRED_PAGE}),
    "workbench-reviews-approve": Route(
        "/reviews/approve/",
        {"post": page_only(200, ("administrator", "product_data_owner", "asset_librarian"))},
    ),
    "workbench-review-item": Route(
        "/reviews/product/{sku}/",
        {"get": LOGIN_REQUIRED_PAGE, "post": page_only(200, PRODUCT_OWNERS)},
    ),
    "workbench-dashboard": Route("/dashboard/", {"get": LOGIN_REQUIRED_PAGE}),
    # Workbench product editor (issue #7): every signed-in person reads a product in scope;
    # saving and restoring need change_product (an empty form lacks its version or record:
    # 422), a transition any product workflow permission (no action: 422).
    "workbench-product": Route(
        "/products/{sku}/",
        {"get": LOGIN_REQUIRED_PAGE, "post": page_only(422, PRODUCT_EDITORS_PAGE)},
    ),
    # Creating missing variants: product writers only; `boot` is no variant (404).
    "workbench-product-variants": Route(
        "/products/{sku}/variants/", {"post": page_only(404, PRODUCT_EDITORS_PAGE)}
    ),
    "workbench-product-transition": Route(
        "/products/{sku}/transition/", {"post": page_only(422, PRODUCT_EDITORS_PAGE)}
    ),
    "workbench-product-restore": Route(
        "/products/{sku}/restore/", {"post": page_only(422, PRODUCT_EDITORS_PAGE)}
    ),
    # Product comments (issue #7): editors and approvers post (an empty comment: 422); deleting
    # finds the comment first (no such comment: 404 for everyone signed in).
    "workbench-product-comment-add": Route(
        "/products/{sku}/comments/", {"post": page_only(422, PRODUCT_EDITORS_PAGE)}
    ),
    "workbench-product-comment-delete": Route(
        "/products/{sku}/comments/999999/delete/", {"post": page(404, 302)}
    ),
    # Workbench product grid (issue #7): every signed-in person lists what they may see; bulk
    # actions need one of the product permissions (no action chosen: 400); saved views are
    # each person's own (always sent back to the grid).
    "workbench-products": Route("/products/", {"get": LOGIN_REQUIRED_PAGE}),
    "workbench-products-bulk": Route(
        "/products/_bulk/", {"post": page_only(400, PRODUCT_EDITORS_PAGE)}
    ),
    "workbench-products-view-save": Route("/products/_views/", {"post": page(302, 302)}),
    "workbench-products-view-delete": Route(
        "/products/_views/999999/delete/", {"post": page(302, 302)}
    ),
}
