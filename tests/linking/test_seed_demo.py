import io
import re
import shutil
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

from dam import metadata
from dam.models import (
    Asset,
    AssetKind,
    AssetVersion,
    LicenceType,
    RenditionProfile,
    RenditionStatus,
    UsageRight,
)
from dam.rendering import renditions_pregenerate
from dam.services import local_copy, version_metadata_extract
from governance.models import Channel, Currency, Locale, PublishedSnapshot
from linking.demo_linking import PLACEHOLDER
from linking.demo_media import FILENAME, seed_media
from linking.models import ChannelDocument, FallbackMedia, MediaReadiness, ProductAssetLink
from pim.models import Product

pytestmark = pytest.mark.django_db

MEDIA_SCALE = 0.1  # the pictures at a tenth of their size: the same files, quicker
NAME = re.compile(
    r"^[A-Z0-9-]+_(front|back|side|detail|lifestyle|swatch|video|manual)_\d+\.(jpg|png|mp4|pdf)$"
)


def _seed(settings) -> str:
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", media_scale=MEDIA_SCALE, stdout=out)
    return out.getvalue()


def _picture(version: AssetVersion) -> Image.Image:
    with default_storage.open(version.file, "rb") as stored:
        picture = Image.open(stored)
        picture.load()
    return picture


def test_seed_demo_builds_the_demo_once_and_is_safe_to_run_again(settings, run_tasks_on_commit):
    # One seed for every check (each is minutes on the service tier); the channel documents
    # are built by tasks after commit.
    with run_tasks_on_commit(execute=True):
        first = _seed(settings)
    _check_the_naming_convention_and_the_kinds()
    _check_the_links_and_the_channel_documents()
    _check_cmyk_transparent_png_and_near_duplicates()
    _check_texts_rights_and_rendition_profiles()
    second = _seed(settings)  # safe to run again
    assert set(Channel.objects.values_list("code", flat=True)) == {"ecommerce", "mobile", "print"}
    assert Locale.objects.count() == 3
    assert Currency.objects.count() == 3
    assert Channel.objects.get(code="ecommerce").locales.count() == 3
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("tessera-admin")
    assets = Asset.objects.count()
    assert 250 <= assets <= 350
    assert f"Demo media ready: {assets} assets ({assets} new)" in first
    assert f"Demo media ready: {assets} assets (0 new)" in second
    assert "login: admin / tessera-admin  (superuser)" in second
    editor = get_user_model().objects.get(username="editor")
    assert editor.check_password("tessera-editor")
    assert list(editor.groups.values_list("name", flat=True)) == ["Product Editor"]
    assert editor.has_perm("pim.submit_product") and not editor.has_perm("pim.approve_product")
    assert "login: viewer / tessera-viewer  (Viewer)" in second
    # The demo workflow: approved products (what channels see), others waiting for the owner.
    states = Counter(Product.objects.values_list("workflow_state", flat=True))
    assert (states["approved"], states["in_review"]) == (40, 8)
    assert PublishedSnapshot.objects.filter(content_type__model="product").count() == 40
    owner = get_user_model().objects.get(username="owner")
    waiting = owner.notifications.filter(verb="review_requested", read_at__isnull=True)
    assert waiting.count() == 8  # the approved ones' requests are settled
    assert seed_media(scale=MEDIA_SCALE) == 0  # the media once, whoever calls


def _check_the_naming_convention_and_the_kinds():
    versions = list(
        AssetVersion.objects.select_related("asset").exclude(original_filename=PLACEHOLDER)
    )
    names = [v.original_filename for v in versions]
    assert [n for n in names if not NAME.match(n)] == []
    assert all(FILENAME.match(n) for n in names)  # the pattern linking reads them with
    assert len(set(names)) == len(names)
    skus = {name.split("_")[0] for name in names}
    assert 100 <= len(skus) <= 140
    assert skus <= set(Product.objects.values_list("sku", flat=True))
    assert {"CAM-001_front_1.jpg", "CAM-001_back_1.jpg", "CAM-001_side_1.jpg"} <= set(names)
    assert "CAM-001_manual_1.pdf" in names
    roles = Counter(name.split("_")[1] for name in names)
    assert set(roles) >= {"front", "back", "side", "detail", "lifestyle", "swatch", "manual"}
    kinds = Counter(v.asset.kind for v in versions)
    assert kinds[AssetKind.IMAGE] >= 250 and kinds[AssetKind.DOCUMENT] == 1
    if shutil.which("ffmpeg"):  # without ffmpeg the seed skips the video, and says so
        assert kinds[AssetKind.VIDEO] == 1 and "CAM-001_video_1.mp4" in names


def _check_the_links_and_the_channel_documents():
    named = AssetVersion.objects.exclude(original_filename=PLACEHOLDER).count()
    assert ProductAssetLink.objects.filter(naming_rule="sku_role_position").count() == named
    link = ProductAssetLink.objects.select_related("product", "asset__current_version").get(
        asset__current_version__original_filename="CAM-001_side_1.jpg"
    )
    assert (link.product.sku, link.role) == ("CAM-001", "side")
    assert FallbackMedia.objects.filter(channel__code="ecommerce", role="front").exists()
    # Approved products with approved media: the web shop's documents list their pictures in
    # the shop's own sizes; readiness is complete somewhere and shows what is missing elsewhere.
    documents = ChannelDocument.objects.filter(channel__code="ecommerce", locale__code="en_US")
    assert documents.count() >= 20
    pictured = [d for d in documents if '"web_card"' in d.document]
    assert len(pictured) >= 10
    scores = set(MediaReadiness.objects.values_list("score", flat=True))
    assert 100 in scores and scores - {100}


def test_without_ffmpeg_the_seed_skips_only_the_video_and_says_so(settings, monkeypatch):
    which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "ffmpeg" else which(name, *a, **k)
    )
    out = _seed(settings)
    assert "No demo video: ffmpeg is not installed" in out
    assert not Asset.objects.filter(kind=AssetKind.VIDEO).exists()
    assert Asset.objects.filter(kind=AssetKind.DOCUMENT).count() == 1
    assert Asset.objects.count() >= 250


def _check_cmyk_transparent_png_and_near_duplicates():
    images = AssetVersion.objects.filter(asset__kind=AssetKind.IMAGE)
    modes = Counter()
    for version in images:
        picture = _picture(version)
        if picture.mode == "RGBA" and picture.getchannel("A").getextrema()[0] < 255:
            modes["transparent"] += 1
            assert version.mime == "image/png" and version.original_filename.endswith(".png")
        else:
            modes[picture.mode] += 1
    total = images.count()
    assert 0.05 * total <= modes["CMYK"] <= 0.15 * total
    assert 0.05 * total <= modes["transparent"] <= 0.15 * total
    assert modes["RGB"] >= 0.7 * total
    cmyk = next(v for v in images.filter(mime="image/jpeg") if _picture(v).mode == "CMYK")
    # The seed's tasks ran after its commit: the metadata is read already.
    assert version_metadata_extract(version_id=cmyk.pk) == "done already"
    cmyk.refresh_from_db()
    assert cmyk.metadata["color_mode"] == "CMYK"
    assert renditions_pregenerate(version_id=cmyk.pk) == 1  # the thumbnail profile
    # Near-duplicates: another file (position 2) of the same picture, smaller and recompressed.
    copies = images.filter(original_filename__regex=r"_2\.jpg$")
    assert 3 <= copies.count() <= 5
    for copy in copies:
        original = images.get(original_filename=copy.original_filename.replace("_2.", "_1."))
        assert copy.sha256 != original.sha256
        assert _picture(copy).width < _picture(original).width
        with local_copy(copy.file) as a, local_copy(original.file) as b:
            assert metadata.hamming(metadata.perceptual_hash(a), metadata.perceptual_hash(b)) <= 6


def _check_texts_rights_and_rendition_profiles():
    assets = Asset.objects.count()
    front = Asset.objects.get(code="cam_001_front_1")
    assert front.alt_text["en_US"] and front.title["en_US"].startswith("Snapshot")
    assert Asset.objects.exclude(alt_text={}).count() >= 50
    assert Asset.objects.exclude(title={}).count() >= 100
    with_rights = Asset.objects.filter(rights__isnull=False).distinct().count()
    assert 0.8 * assets <= with_rights < assets  # most, not all
    licences = Counter(UsageRight.objects.values_list("licence", flat=True))
    assert licences[LicenceType.OWNED] > licences[LicenceType.ROYALTY_FREE] > 0
    assert licences[LicenceType.EDITORIAL_ONLY] == 1
    assert UsageRight.objects.filter(valid_until__lt=timezone.now()).count() == 1
    profiles = {p.code: p for p in RenditionProfile.objects.all()}
    assert {"thumb", "zoom", "square"} <= set(profiles)
    assert profiles["thumb"].is_pregenerated and profiles["thumb"].format == "webp"
    assert (profiles["square"].width, profiles["square"].fit) == (800, "cover")
    png = AssetVersion.objects.filter(mime="image/png").first()
    assert renditions_pregenerate(version_id=png.pk) == 1
    assert png.renditions.get(profile__code="thumb").status == RenditionStatus.DONE


def test_seed_demo_refuses_to_plant_known_passwords_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="known passwords"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
    assert not Asset.objects.exists()
