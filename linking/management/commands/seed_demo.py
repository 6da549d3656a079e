"""A believable demo catalog, made through the same services as every other entry point.

Safe to run again: what exists is left as it is. The catalog itself is in linking/demo.py, the
demo media (pictures, a video, a PDF named `SKU_role_position.ext`) in linking/demo_media.py;
one demo login per role (governance/roles.py); some products approved by the demo owner
(what channels see) and some waiting for review.
"""

import logging
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dam.models import Asset
from governance import roles, workflow
from governance import services as governance
from governance.audit import acting_as, actor_for
from governance.models import Channel, Currency, Locale
from linking.demo import seed_catalog
from linking.demo_linking import products_with_media, seed_linking_media, seed_linking_rules
from linking.demo_media import seed_media
from pim.models import Product

LOCALES = [
    ("en_US", "English (United States)"),
    ("fr_FR", "Français (France)"),
    ("de_DE", "Deutsch (Deutschland)"),
]
CURRENCIES = [("EUR", "Euro"), ("USD", "US dollar"), ("GBP", "Pound sterling")]
# (code, label, locales, currencies, completeness a product needs there to be approved)
CHANNELS = [
    ("ecommerce", "Web shop", ["en_US", "fr_FR", "de_DE"], ["EUR", "USD", "GBP"], 80),
    ("mobile", "Mobile app", ["en_US", "fr_FR"], ["EUR", "USD"], 75),
    ("print", "Print catalogue", ["de_DE", "fr_FR"], ["EUR"], 50),
]
# The demo workflow: so many products approved (channels see them) and so many waiting for
# review (the owner's notifications), by the editor and the owner, in SKU order.
APPROVED, IN_REVIEW = 40, 8
# Demo logins, printed by `make run`. Never created outside DEBUG without --force.
DEMO_USERS = [
    ("admin", "tessera-admin", {"is_staff": True, "is_superuser": True}),
    ("owner", "tessera-owner", {"is_staff": True, "role": roles.PRODUCT_DATA_OWNER}),
    ("editor", "tessera-editor", {"is_staff": True, "role": roles.PRODUCT_EDITOR}),
    ("librarian", "tessera-librarian", {"is_staff": True, "role": roles.ASSET_LIBRARIAN}),
    ("contributor", "tessera-contributor", {"is_staff": True, "role": roles.ASSET_CONTRIBUTOR}),
    ("metadata", "tessera-metadata", {"is_staff": True, "role": roles.METADATA_MANAGER}),
    ("viewer", "tessera-viewer", {"is_staff": True, "role": roles.VIEWER}),
]


class Command(BaseCommand):
    help = "Load the demo catalog, demo media and demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. The demo users have known passwords.",
        )
        parser.add_argument(
            "--media-scale",
            type=float,
            default=1.0,
            help="Draw the demo pictures at this share of their size (tests use 0.1).",
        )

    def handle(self, *args, force=False, media_scale=1.0, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with known passwords; run it with DJANGO_DEBUG=true "
                "or pass --force."
            )
        # Without a broker the media tasks (metadata, thumbnails) run in this process as the
        # seed commits, each logging a line: hundreds of them would bury the logins below.
        with _quiet("celery.app.trace"):
            products, assets = self._seed(media_scale)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog ready: {Locale.objects.count()} locales, "
                f"{Currency.objects.count()} currencies, {Channel.objects.count()} channels, "
                f"{Product.objects.count()} products ({products} new)."
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo media ready: {Asset.objects.count()} assets ({assets} new), files named "
                f"SKU_role_position.ext, linked to {products_with_media()} products by the naming "
                "rule."
            )
        )
        for username, password, flags in DEMO_USERS:
            role = flags.get("role", "superuser")
            self.stdout.write(f"  login: {username} / {password}  ({role})")

    @transaction.atomic
    def _seed(self, media_scale: float) -> tuple[int, int]:
        for model, entries in ((Locale, LOCALES), (Currency, CURRENCIES)):
            for code, label in entries:
                if not model.objects.filter(code=code).exists():
                    governance.code_entry_create(model=model, code=code, label=label)
        for code, label, locales, currencies, threshold in CHANNELS:
            if not Channel.objects.filter(code=code).exists():
                governance.channel_create(
                    code=code,
                    label=label,
                    locales=locales,
                    currencies=currencies,
                    approval_min_completeness=threshold,
                )
        User = get_user_model()
        for username, password, flags in DEMO_USERS:
            if not User.objects.filter(username=username).exists():
                flags = dict(flags)
                role = flags.pop("role", None)
                user = User.objects.create_user(username=username, password=password, **flags)
                if role:
                    user.groups.add(Group.objects.get(name=role))
        products = seed_catalog()
        if products:
            _demo_workflow(
                editor=User.objects.get(username="editor"), owner=User.objects.get(username="owner")
            )
        seed_linking_rules()  # first: the naming rule links the media as it is ingested
        assets = seed_media(scale=media_scale, note=lambda text: self.stdout.write(f"  {text}"))
        if assets:
            assets += seed_linking_media()
        return products, assets


def _demo_workflow(*, editor, owner) -> None:
    """Submit the products complete enough for every channel as the editor, and approve the
    first of them as the owner (four-eyes: not the submitter)."""
    submitted = []
    for product in Product.objects.order_by("sku_key"):
        if len(submitted) == APPROVED + IN_REVIEW:
            break
        if workflow.refusals(obj=product, action="submit", actor=actor_for(user=editor)):
            continue  # not complete enough somewhere: it stays a draft
        with acting_as(user=editor):
            submitted.append(workflow.transition(obj=product, action="submit"))
    with acting_as(user=owner):
        for product in submitted[:APPROVED]:
            workflow.transition(obj=product, action="approve", comment="Demo: ready to publish.")


@contextmanager
def _quiet(name: str):
    """Only warnings from one logger for a while."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)
