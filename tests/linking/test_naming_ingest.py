"""Naming rules applied on upload, through the real upload API."""

import pytest
from django.contrib.auth.models import Group

from dam.models import Asset
from governance import roles
from linking.models import ProductAssetLink
from linking.services import naming
from tests.dam.conftest import image_bytes, upload
from tests.governance.factories import UserFactory
from tests.linking.builders import product

ASSETS = "/api/v1/assets"


@pytest.fixture
def contributor(api_client, catalog, local_storage):
    """An Asset Contributor: may upload, holds no product permission at all."""
    user = UserFactory(username="contributor")
    user.groups.add(Group.objects.get(name=roles.ASSET_CONTRIBUTOR))
    api_client.force_authenticate(user)
    product("AB_1")
    naming.naming_rule_save(changes={"code": "by_position", "pattern": "{sku}_{role}_{position}.{ext}"})  # fmt: skip
    naming.naming_rule_save(changes={"code": "by_locale", "pattern": "{sku}-{locale}-{role}.{ext}"})
    return api_client


def post(client, *files):
    return client.post(ASSETS, {"file": list(files)}, format="multipart")


def jpeg(shade: int) -> bytes:
    return image_bytes(color=(shade, 40, 90))


def tags(asset_uuid) -> set[tuple[str, str]]:
    return set(Asset.objects.get(uuid=asset_uuid).tags.values_list("name", "source"))


def test_an_upload_named_by_a_rule_is_linked_and_tagged(contributor, run_tasks_on_commit):
    with run_tasks_on_commit(execute=True):  # metadata extraction runs: the tags must survive
        response = post(contributor, upload("shoot/AB_1_Hero_2.jpg", jpeg(10)))
    assert response.status_code == 201, response.json()
    [result] = response.json()["results"]
    link = ProductAssetLink.objects.get()
    assert result["naming"] == {
        "matched": True,
        "rule": "by_position",
        "parts": {"sku": "AB_1", "role": "Hero", "position": "2", "ext": "jpg"},
        "outcome": "linkable",
        "target": {"type": "product", "sku": "AB_1"},
        "role": "hero",
        "position": 2,
        "locale": None,
        "channel": None,
        "message": "Links to product 'AB_1' as hero, position 2 (rule 'by_position').",
        "linked": True,
        "link": link.pk,
    }
    assert (link.product.sku, link.role, link.naming_rule) == ("AB_1", "hero", "by_position")
    assert str(link.asset.uuid) == result["asset"]["uuid"]
    assert {("sku:ab_1", "auto"), ("role:hero", "auto"), ("position:2", "auto")} <= tags(
        link.asset.uuid
    )
    found = contributor.get(ASSETS, {"tag": "role:hero"}).json()["results"]
    assert [a["uuid"] for a in found] == [str(link.asset.uuid)]


def test_a_locale_part_scopes_the_link_and_becomes_a_tag(contributor):
    response = post(contributor, upload("AB_1-fr_FR-back.jpg", jpeg(20)))
    [result] = response.json()["results"]
    assert result["naming"]["linked"] is True
    link = ProductAssetLink.objects.get()
    assert (link.role, link.locale.code) == ("back", "fr_FR")
    assert ("locale:fr_fr", "auto") in tags(link.asset.uuid)


def test_an_unknown_sku_is_reported_and_not_linked(contributor):
    response = post(contributor, upload("ZZ-404_hero_1.jpg", jpeg(30)))
    assert response.status_code == 201  # the upload itself stands
    [result] = response.json()["results"]
    assert result["created"] is True
    naming_report = result["naming"]
    assert (naming_report["outcome"], naming_report["linked"], naming_report["link"]) == (
        "unknown_sku", False, None,
    )  # fmt: skip
    assert naming_report["message"] == "No product or product model 'ZZ-404': not linked."
    assert not ProductAssetLink.objects.exists()
    # The parts are still facts about the file: a librarian finds it by the SKU it names.
    assert ("sku:zz-404", "auto") in tags(result["asset"]["uuid"])


def test_a_name_no_rule_reads_is_reported_as_such(contributor):
    [result] = post(contributor, upload("IMG_0001.jpg", jpeg(40))).json()["results"]
    assert (result["naming"]["outcome"], result["naming"]["linked"]) == ("no_rule", False)
    assert not ProductAssetLink.objects.exists()


def test_a_duplicate_upload_does_not_run_the_rules_again(contributor):
    data = jpeg(50)
    post(contributor, upload("AB_1_hero_1.jpg", data))
    again = post(contributor, upload("AB_1_back_1.jpg", data))
    [result] = again.json()["results"]
    assert result["duplicate"] is True and "naming" not in result
    assert list(ProductAssetLink.objects.values_list("role", flat=True)) == ["hero"]


def test_numbered_files_uploaded_out_of_order_end_up_in_number_order(contributor):
    for number, shade in ((3, 60), (1, 70), (4, 80), (2, 90)):
        post(contributor, upload(f"AB_1_detail_{number}.jpg", jpeg(shade)))
    ordered = ProductAssetLink.objects.filter(role="detail").order_by("position")
    names = [link.asset.current_version.original_filename for link in ordered]
    assert names == [f"AB_1_detail_{n}.jpg" for n in (1, 2, 3, 4)]
    assert [link.position for link in ordered] == [0, 1, 2, 3]
