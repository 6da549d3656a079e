"""One of each object the routes address, built through the services, and the principals that
call them: anonymous, a user in each role (unscoped, staff so they may open the admin), a
read key, a write key (Product Editor) and a write key restricted to another channel."""

import io
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from dam import presets, rendering
from dam import services as dam_services
from dam.models import Collection
from dam.views import rendition_path
from governance import roles
from governance import services as governance
from governance.api_keys import api_key_create
from governance.audit import acting_as
from governance.change_requests import change_request_submit
from governance.jobs import job_create
from governance.models import Category, Currency, Locale, Notification, Term, Vocabulary
from governance.quality import quality_run_start
from governance.workflow import transition
from linking.services.documents import channel_documents_refresh
from linking.services.events import events_publish
from linking.services.exports import scheduled_export_save
from linking.services.import_profiles import import_profile_save
from linking.services.links import link_add
from linking.services.media_config import fallback_media_save, media_requirement_save
from linking.services.naming import naming_rule_save
from linking.services.webhooks import webhook_create
from pim.services import catalog
from pim.services.product_models import product_model_save
from pim.services.products import product_upsert_many
from tests.governance.factories import CategoryFactory, UserFactory

ROLE_PRINCIPALS = {
    "administrator": roles.ADMINISTRATOR,
    "product_data_owner": roles.PRODUCT_DATA_OWNER,
    "product_editor": roles.PRODUCT_EDITOR,
    "asset_librarian": roles.ASSET_LIBRARIAN,
    "asset_contributor": roles.ASSET_CONTRIBUTOR,
    "metadata_manager": roles.METADATA_MANAGER,
    "viewer": roles.VIEWER,
}
KEY_PRINCIPALS = ("read_key", "write_key", "other_channel_key")
PRINCIPALS = ("anonymous", *ROLE_PRINCIPALS, *KEY_PRINCIPALS)


@dataclass
class World:
    """What a route's path is built from (`{name}` placeholders) and how each principal calls."""

    names: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # principal → session cookie
    bearers: dict[str, str] = field(default_factory=dict)  # principal → Authorization header
    users: dict = field(default_factory=dict)

    def client(self, principal: str) -> Client:
        client = Client()
        if principal in self.sessions:
            client.cookies["sessionid"] = self.sessions[principal]
        return client

    def headers(self, principal: str) -> dict:
        bearer = self.bearers.get(principal)
        return {"HTTP_AUTHORIZATION": bearer} if bearer else {}


def _image() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "red.jpg"
    return buffer


def _reference_data():
    governance.code_entry_create(model=Locale, code="en_US")
    governance.code_entry_create(model=Currency, code="EUR")
    master = CategoryFactory(code="master")
    CategoryFactory(code="shoes", parent=master)
    CategoryFactory(code="misc", parent=master)
    outlet_tree = CategoryFactory(code="outlet_root")
    web = governance.channel_create(code="web", locales=["en_US"], currencies=["EUR"])
    outlet = governance.channel_create(code="outlet", locales=["en_US"], currencies=["EUR"])
    type(web).objects.filter(pk=web.pk).update(category_tree=master)
    type(outlet).objects.filter(pk=outlet.pk).update(category_tree=outlet_tree)
    sizes = governance.vocabulary_create(code="sizes")
    governance.term_create(vocabulary=sizes, code="m", sort_order=0)
    governance.vocabulary_create(code="empty")
    colors = governance.vocabulary_create(code="colors")
    governance.term_create(vocabulary=colors, code="red", sort_order=0)
    governed = governance.vocabulary_create(code="styles")
    governance.term_create(vocabulary=governed, code="casual", sort_order=0)
    Vocabulary.objects.filter(pk=governed.pk).update(is_governed=True)
    return outlet


def _catalog():
    catalog.attribute_group_save(code="general", changes={})
    catalog.attribute_group_save(code="spare", changes={})
    for code, spec in {
        "name": {"type": "text", "is_localizable": True},
        "size": {"type": "select", "vocabulary": "sizes"},
        "spare_text": {"type": "text"},
    }.items():
        catalog.attribute_save(code=code, changes={"group": "general", **spec})
    catalog.family_save(code="shirts", changes={"attributes": ["name", "size"]})
    catalog.family_save(code="spare_family", changes={"attributes": ["name"]})
    for code in ("shirts_by_size", "spare_variant"):
        catalog.family_variant_save(
            code=code,
            changes={"family": "shirts", "levels": [{"axes": ["size"], "attributes": []}]},
        )
    catalog.association_type_save(code="related", changes={})
    product_model_save(
        data={"code": "shirt_model", "family_variant": "shirts_by_size", "categories": ["shoes"]}
    )
    [outcome] = product_upsert_many(
        items=[{"sku": "boot", "family": "shirts", "categories": ["shoes"]}]
    )
    assert outcome.ok, outcome.errors
    return outcome.product


def _library(contributor):
    spring = Collection.objects.create(code="spring")
    Collection.objects.create(code="archive")
    [ingested] = dam_services.assets_ingest(
        uploads=[("red.jpg", _image())], actor=contributor, collection=spring
    )
    asset = ingested.asset
    right = dam_services.usage_right_save(asset=asset, changes={"licence": "owned"})
    rendering.rendition_profile_save(
        code="thumb", changes={"width": 32, "height": 32, "format": "webp"}
    )
    presets.upload_preset_save(code="default", changes={})
    return asset, right


def _webhook():
    """An endpoint (a public address: nothing resolves or connects) with the world's events
    published to it as deliveries (issue #6)."""
    subscription, _ = webhook_create(url="https://8.8.8.8/hook", event_types=[])
    events_publish()
    return subscription, subscription.deliveries.first()


def build_world() -> World:
    world = World()
    outlet = _reference_data()
    users = {}
    for principal, role in ROLE_PRINCIPALS.items():
        user = UserFactory(username=principal, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        users[principal] = user
        client = Client()
        client.force_login(user)
        world.sessions[principal] = client.cookies["sessionid"].value
    world.users = users
    product = _catalog()
    asset, right = _library(users["asset_contributor"])
    link = link_add(asset=asset, product=product, role="hero")  # linking (issue #6)
    editor = Group.objects.get(name=roles.PRODUCT_EDITOR)
    for principal, options in {
        "read_key": {"scope": "read"},
        "write_key": {"scope": "write", "role": editor},
        "other_channel_key": {"scope": "write", "role": editor, "channel": outlet},
    }.items():
        key, raw = api_key_create(name=principal, **options)
        world.bearers[principal] = f"Bearer {raw}"
        world.names[f"{principal}_prefix"] = key.prefix
    # An approved product, so its snapshot exists (four eyes: another person approves).
    with acting_as(user=users["product_editor"]):
        transition(obj=product, action="submit")
    with acting_as(user=users["product_data_owner"]):
        transition(obj=product, action="approve")
    with acting_as(user=users["product_editor"]):  # four eyes: the manager decides
        change = change_request_submit(
            vocabulary=Vocabulary.objects.get(code="styles"),
            kind="add",
            payload={"code": "formal"},
        )
    run = quality_run_start(checks=None)
    webhook, delivery = _webhook()
    # Naming rules and jobs (issue #6): a rule, and a job the Asset Librarian started.
    rule = naming_rule_save(changes={"code": "plain", "pattern": "{sku}_{role}.{ext}"})
    # Exports (issue #8): a nightly export of `web`, the data owner's.
    with acting_as(user=users["product_data_owner"]):
        scheduled_export_save(changes={"code": "nightly", "channel": "web"})
    with acting_as(user=users["asset_librarian"]):
        job = job_create(kind="relink")
    # Product imports (issue #8): the editor's queued dry run, and a saved column mapping.
    with acting_as(user=users["product_editor"]):
        import_job = job_create(
            kind="product_import", parameters={"kind": "products", "dry_run": True}
        )
        import_profile_save(changes={"code": "supplier", "mapping": {"columns": {}}})
    # A job's file (issue #8): downloads go through the job's permission to a signed link.
    job.report = {
        "files": [
            {
                "label": "Report",
                "name": default_storage.save("jobs/world-report.csv", ContentFile(b"sku\n")),
                "content_type": "text/csv",
            }
        ]
    }
    job.save(update_fields=["report"])
    # Readiness and the feed (issue #6): a requirement and a placeholder on `web`, and the
    # approved product's documents (built here: the world's transaction never commits).
    requirement = media_requirement_save(
        changes={"family": "shirts", "channel": "web", "role": "hero"}
    )
    placeholder = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 30, 200)).save(placeholder, "JPEG")
    placeholder.seek(0)
    [stand_in] = dam_services.assets_ingest(uploads=[("placeholder.jpg", placeholder)])
    fallback = fallback_media_save(
        changes={"channel": "web", "role": "hero", "asset": str(stand_in.asset.uuid)}
    )
    channel_documents_refresh(product_ids=[product.pk])
    notification = Notification.objects.create(
        recipient=users["viewer"],
        verb="submitted",
        message="Waiting for review",
        content_type=ContentType.objects.get_for_model(product),
        object_id=product.pk,
        object_repr=str(product),
    )
    world.names.update(
        sku=product.sku,
        asset=str(asset.uuid),
        right=str(right.pk),
        change_request=str(change.pk),
        quality_run=str(run.pk),
        webhook=str(webhook.uuid),
        webhook_message=delivery.message_id,
        naming_rule=rule.code,
        job=str(job.pk),
        import_job=str(import_job.pk),
        notification=str(notification.pk),
        link=str(link.pk),
        media_requirement=str(requirement.pk),
        fallback_media=str(fallback.pk),
        rendition=rendition_path(asset.uuid, "thumb"),
        rendition_version=rendition_path(asset.uuid, "thumb", 1),
        term=Term.objects.get(vocabulary__code="colors").code,
        category=Category.objects.get(code="misc").code,
    )
    return world
