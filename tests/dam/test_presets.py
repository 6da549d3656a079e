import pytest
from django.core.exceptions import ValidationError

from dam.models import Asset, Collection
from dam.presets import approval_problems, upload_preset_save
from dam.services import usage_right_save
from tests.dam.conftest import image_bytes, upload

pytestmark = pytest.mark.django_db


def post(client, *files, **fields):
    return client.post("/api/v1/assets", {"file": list(files), **fields}, format="multipart")


def test_an_upload_breaking_a_preset_lists_every_rule_and_stores_nothing(librarian):
    upload_preset_save(
        code="catalogue",
        changes={
            "allowed_types": ["image/jpeg"],
            "min_width": 800,
            "min_height": 800,
            "min_aspect_ratio": 0.9,
            "max_aspect_ratio": 1.1,
            "color_modes": ["RGB"],
        },
    )
    response = post(
        librarian, upload("small.png", image_bytes(size=(400, 200), fmt="PNG", mode="RGBA"))
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == "preset_violation"
    for words in (
        "image/png is not allowed",
        "width 400 px is under",
        "height 200 px is under",
        "aspect ratio 2.000 is over",
        "colour mode RGBA",
    ):
        assert words in error["message"]
    assert not Asset.objects.exists()


def test_a_collection_preset_applies_to_its_collection_only(librarian):
    spring = Collection.objects.create(code="spring")
    upload_preset_save(
        code="spring_rules", changes={"collection": "spring", "allowed_kinds": ["video"]}
    )
    assert post(librarian, upload("a.jpg", image_bytes(color=(5, 5, 5)))).status_code == 201
    refused = post(librarian, upload("b.jpg", image_bytes(color=(6, 6, 6))), collection=spring.code)
    assert refused.status_code == 422
    assert "a image is not allowed" in refused.json()["errors"][0]["message"]


def test_field_rules_are_listed_for_approval(librarian):
    upload_preset_save(
        code="web", changes={"alt_text_locales": ["en_US", "fr_FR"], "requires_rights": True}
    )
    uuid = post(librarian, upload("a.jpg", image_bytes())).json()["results"][0]["asset"]["uuid"]
    asset = Asset.objects.get(uuid=uuid)
    assert approval_problems(asset) == [
        "web: alt text is missing in en_US, fr_FR.",
        "web: a usage right is required.",
    ]
    librarian.patch(
        f"/api/v1/assets/{uuid}",
        {"alt_text": {"en_US": "Red tee", "fr_FR": "T-shirt rouge"}},
        format="json",
    )
    usage_right_save(asset=asset, changes={"licence": "owned"})
    assert approval_problems(Asset.objects.get(uuid=uuid)) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"allowed_kinds": ["hologram"]}, "allowed_kinds"),
        ({"allowed_types": ["text/html"]}, "allowed_types"),
        ({"min_width": 900, "max_width": 100}, "min_width"),
        ({"collection": "nowhere"}, "collection"),
    ],
)
def test_contradictory_presets_are_refused(changes, field):
    with pytest.raises(ValidationError) as exc:
        upload_preset_save(code="bad", changes=changes)
    assert field in exc.value.error_dict


def test_presets_judge_a_camera_jpeg_the_way_up_it_is_shown(librarian, tmp_path):
    from tests.dam import media

    upload_preset_save(code="portrait_only", changes={"max_aspect_ratio": 1.0})
    sideways = media.jpeg(tmp_path / "p.jpg", size=(200, 100), orientation=6)  # shown 100 × 200
    assert post(librarian, upload("p.jpg", sideways.read_bytes())).status_code == 201
    landscape = media.jpeg(tmp_path / "l.jpg", size=(200, 100))
    assert post(librarian, upload("l.jpg", landscape.read_bytes())).status_code == 422
