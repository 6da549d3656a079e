"""The relink job: naming rules applied to assets already in the library, through the API."""

import io

import pytest
from django.contrib.auth.models import Group

from dam.models import Collection
from dam.services import assets_ingest
from governance import jobs, roles
from governance.models import Job, JobState
from linking.models import ProductAssetLink
from linking.services import naming, relink
from linking.services.links import link_add
from pim.models import Product
from pim.services.product_models import product_model_save
from tests.dam.conftest import image_bytes
from tests.governance.factories import UserFactory
from tests.linking.builders import product

RELINK = "/api/v1/relink-jobs"


def ingest(name: str, shade: int, collection=None):
    data = io.BytesIO(image_bytes(color=(shade * 30, 120, 40)))  # distinct bytes each
    [ingested] = assets_ingest(uploads=[(name, data)], collection=collection)
    return ingested.asset


@pytest.fixture
def library(catalog, local_storage):
    """Assets uploaded before any rule existed (so none is linked), then the rules."""
    product("AB_1")
    product("oxford")
    product_model_save(data={"code": "oxford", "family_variant": "shirts_by_color_size"})
    archive = Collection.objects.create(code="archive")
    assets = {
        "hero": ingest("AB_1_hero_1.jpg", 1),
        "back": ingest("AB_1_back_2.jpg", 2),
        "unknown": ingest("ZZ_9_hero_1.jpg", 3),
        "no_rule": ingest("IMG_0001.jpg", 4),
        "ambiguous": ingest("oxford_side_1.jpg", 5),
        "archived": ingest("AB_1_detail_1.jpg", 6, collection=archive),
        "manual": ingest("AB_1_front_1.jpg", 7),
    }
    link_add(asset=assets["manual"], product=Product.objects.get(sku="AB_1"), role="front")
    naming.naming_rule_save(changes={"code": "by_position", "pattern": "{sku}_{role}_{position}.{ext}"})  # fmt: skip
    return assets


@pytest.fixture
def librarian(api_client, library):
    user = UserFactory(username="librarian")
    user.groups.add(Group.objects.get(name=roles.ASSET_LIBRARIAN))
    api_client.force_authenticate(user)
    return api_client


def start(client, run_tasks_on_commit, **body):
    with run_tasks_on_commit(execute=True):
        response = client.post(RELINK, body, format="json")
    assert response.status_code == 202, response.json()
    assert response["Location"] == f"/api/v1/jobs/{response.json()['id']}"
    return client.get(response["Location"]).json()


def test_relink_links_what_the_rules_name_and_reports_the_rest(librarian, run_tasks_on_commit):
    job = start(librarian, run_tasks_on_commit)
    assert (job["kind"], job["state"], job["total"], job["processed"], job["progress"]) == (
        "relink", "succeeded", 7, 7, 100,
    )  # fmt: skip
    report = job["report"]
    assert report["counts"] == {"linked": 3, "unmatched": 2, "ambiguous": 1, "already_linked": 1}
    assert {entry["filename"] for entry in report["linked"]} == {
        "AB_1_hero_1.jpg", "AB_1_back_2.jpg", "AB_1_detail_1.jpg",
    }  # fmt: skip
    assert {(e["filename"], e["reason"], e["identifier"]) for e in report["unmatched"]} == {
        ("ZZ_9_hero_1.jpg", "unknown_sku", "ZZ_9"),
        ("IMG_0001.jpg", "no_rule", None),
    }
    assert [e["identifier"] for e in report["ambiguous"]] == ["oxford"]
    assert [e["filename"] for e in report["already_linked"]] == ["AB_1_front_1.jpg"]
    hero = next(e for e in report["linked"] if e["filename"] == "AB_1_hero_1.jpg")
    assert hero["target"] == {"type": "product", "sku": "AB_1"} and hero["rule"] == "by_position"
    assert report["list_limit"] == 1000 and report["dry_run"] is False
    roles_linked = ProductAssetLink.objects.filter(naming_rule="by_position")
    assert sorted(roles_linked.values_list("role", flat=True)) == ["back", "detail", "hero"]
    assert ProductAssetLink.objects.filter(product__sku="AB_1").count() == 4
    # The job acted as the librarian who started it.
    assert ProductAssetLink.objects.filter(role="hero").get().created_by.username == "librarian"

    again = start(librarian, run_tasks_on_commit, only_unlinked=False)
    assert again["report"]["counts"] == {"linked": 0, "unmatched": 2, "ambiguous": 1, "already_linked": 4}  # fmt: skip


def test_a_dry_run_reports_and_writes_nothing(librarian, library, run_tasks_on_commit):
    job = start(librarian, run_tasks_on_commit, dry_run=True)
    assert job["report"]["dry_run"] is True
    assert job["report"]["counts"] == {"linked": 3, "unmatched": 2, "ambiguous": 1, "already_linked": 1}  # fmt: skip
    assert ProductAssetLink.objects.count() == 1  # the manual link only
    assert not library["hero"].tags.filter(name__startswith="role:").exists()


def test_relink_over_one_collection(librarian, run_tasks_on_commit):
    job = start(librarian, run_tasks_on_commit, collection="archive")
    assert job["total"] == 1
    assert [e["filename"] for e in job["report"]["linked"]] == ["AB_1_detail_1.jpg"]
    refused = librarian.post(RELINK, {"collection": "nowhere", "dryrun": True}, format="json")
    assert refused.status_code == 422
    fields = {(e["field"], e["code"]) for e in refused.json()["errors"]}
    assert ("dryrun", "unknown_field") in fields


def test_unknown_collection_and_rules_are_refused(librarian):
    for body, field in (({"collection": "nowhere"}, "collection"), ({"rules": ["nope"]}, "rules")):
        response = librarian.post(RELINK, body, format="json")
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Job.objects.exists()


def test_relinking_needs_the_change_naming_rule_permission(api_client, library):
    user = UserFactory(username="contributor")
    user.groups.add(Group.objects.get(name=roles.ASSET_CONTRIBUTOR))
    api_client.force_authenticate(user)
    assert api_client.post(RELINK, {}, format="json").status_code == 403


def test_a_job_interrupted_mid_way_restarts_and_a_finished_one_is_not_run_again(library):
    job = relink.relink_start()  # queued; the task has not run (no commit in this test)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, processed=3)  # a worker died
    assert jobs.job_run(job_id=job.pk, work=relink.assets_relink) == "succeeded"
    job.refresh_from_db()
    assert (job.state, job.processed, job.report["counts"]["linked"]) == (JobState.SUCCEEDED, 7, 3)
    assert jobs.job_run(job_id=job.pk, work=relink.assets_relink) == "skipped"
    assert ProductAssetLink.objects.count() == 4


def test_pages_report_progress(library, monkeypatch):
    monkeypatch.setattr(relink, "CHUNK_SIZE", 3)
    seen = []
    real = relink.job_progress
    monkeypatch.setattr(
        relink, "job_progress", lambda **kw: seen.append(kw["processed"]) or real(**kw)
    )
    job = relink.relink_start(dry_run=True)
    jobs.job_run(job_id=job.pk, work=relink.assets_relink)
    assert seen == [0, 3, 6, 7]


def test_lists_are_capped_but_counts_are_not(library, monkeypatch):
    monkeypatch.setattr(relink, "LIST_LIMIT", 1)
    job = relink.relink_start(dry_run=True)
    jobs.job_run(job_id=job.pk, work=relink.assets_relink)
    job.refresh_from_db()
    assert job.report["counts"]["linked"] == 3 and len(job.report["linked"]) == 1
