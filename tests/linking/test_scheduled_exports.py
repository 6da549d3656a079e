"""Scheduled exports: kept through the API (and the admin) by the product data owners, run by the
beat when due — once, whatever how many beats look at once — as the person who scheduled them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from governance import roles
from governance.audit import acting_as
from governance.models import Channel, Job, JobState
from linking.models import ScheduledExport
from linking.services import exports
from linking.tasks.exports import scheduled_exports_run
from tests.governance.factories import UserFactory

pytestmark = pytest.mark.django_db

SCHEDULES = "/api/v1/scheduled-exports"


@pytest.fixture
def owner(catalog):
    user = UserFactory(username="owner")
    user.groups.add(Group.objects.get(name=roles.PRODUCT_DATA_OWNER))
    return user


@pytest.fixture
def owner_client(api_client, owner):
    api_client.force_authenticate(owner)
    return api_client


def schedule(owner, **changes) -> ScheduledExport:
    with acting_as(user=owner):
        return exports.scheduled_export_save(
            changes={"code": "nightly", "channel": "ecommerce", **changes}
        )


def test_the_owner_creates_changes_lists_and_deletes_a_schedule(owner_client, owner):
    before = timezone.now()
    response = owner_client.post(
        SCHEDULES,
        {"code": "nightly", "channel": "ecommerce", "locales": ["fr_FR"], "format": "xlsx"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["channel"], body["locales"], body["format"]) == ("ecommerce", ["fr_FR"], "xlsx")
    assert body["interval_minutes"] == 24 * 60 and body["is_active"] is True
    saved = ScheduledExport.objects.get(code="nightly")
    assert saved.created_by == owner and saved.next_run_at >= before  # at the next beat
    response = owner_client.patch(
        f"{SCHEDULES}/nightly", {"interval_minutes": 60, "is_active": False}, format="json"
    )
    assert response.status_code == 200 and response.json()["interval_minutes"] == 60
    assert [row["code"] for row in owner_client.get(SCHEDULES).json()["results"]] == ["nightly"]
    assert owner_client.delete(f"{SCHEDULES}/nightly").status_code == 204
    assert not ScheduledExport.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"channel": "nowhere"}, "channel", "unknown"),
        ({"locales": ["de_DE"]}, "locales", "locale_not_in_channel"),
        ({"locales": "en_US"}, "locales", "invalid"),
        ({"format": "pdf"}, "format", "invalid_choice"),
        ({"interval_minutes": 1}, "interval_minutes", "min_value"),
        ({"interval_minutes": "often"}, "interval_minutes", "invalid"),
        ({"code": "not a code"}, "code", "invalid_code"),
        ({"colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_schedules_that_cannot_run_are_422(owner_client, body, field, code):
    response = owner_client.post(
        SCHEDULES, {"code": "nightly", "channel": "ecommerce", **body}, format="json"
    )
    assert response.status_code == 422, response.content
    found = [(e["field"], e["code"]) for e in response.json()["errors"]]
    assert (field, code) in found
    assert not ScheduledExport.objects.exists()


def test_the_code_never_changes(owner_client, owner):
    schedule(owner)
    response = owner_client.patch(f"{SCHEDULES}/nightly", {"code": "other"}, format="json")
    assert response.status_code == 422


def test_people_without_the_permission_read_but_do_not_write(api_client, owner):
    schedule(owner)
    viewer = UserFactory(username="viewer")
    viewer.groups.add(Group.objects.get(name=roles.VIEWER))
    api_client.force_authenticate(viewer)
    assert api_client.get(f"{SCHEDULES}/nightly").status_code == 200
    body = {"code": "mine", "channel": "ecommerce"}
    assert api_client.post(SCHEDULES, body, format="json").status_code == 403
    assert api_client.delete(f"{SCHEDULES}/nightly").status_code == 403


def test_a_due_schedule_starts_an_export_as_its_owner_and_moves_on(owner, local_storage):
    due = schedule(owner, interval_minutes=60)
    now = due.next_run_at + timedelta(minutes=1)
    [job_id] = exports.scheduled_exports_run(now=now)
    job = Job.objects.get(pk=job_id)
    assert job.created_by == owner and job.kind == "export"
    assert job.parameters["schedule"] == "nightly" and job.parameters["channel"] == "ecommerce"
    due.refresh_from_db()
    assert due.last_job == job and due.next_run_at == now - timedelta(minutes=1) + timedelta(
        minutes=60
    )
    # Looking again at the same moment (a second beat) starts nothing.
    assert exports.scheduled_exports_run(now=now) == []


def test_a_schedule_not_yet_due_or_paused_starts_nothing(owner):
    later = schedule(owner)
    ScheduledExport.objects.filter(pk=later.pk).update(
        next_run_at=timezone.now() + timedelta(hours=1)
    )
    with acting_as(user=owner):
        exports.scheduled_export_save(
            changes={"code": "paused", "channel": "ecommerce", "is_active": False}
        )
    assert exports.scheduled_exports_run() == []
    assert not Job.objects.exists()


def test_missed_runs_are_not_made_up(owner):
    late = schedule(owner, interval_minutes=60)
    start = late.next_run_at
    now = start + timedelta(hours=5, minutes=30)
    assert len(exports.scheduled_exports_run(now=now)) == 1
    late.refresh_from_db()
    assert late.next_run_at == start + timedelta(hours=6)


def test_the_beat_task_runs_the_due_schedules_and_the_export_writes_its_file(
    owner, local_storage, run_tasks_on_commit
):
    schedule(owner, format="ndjson")
    with run_tasks_on_commit(execute=True):
        [job_id] = scheduled_exports_run.delay().get()
    job = Job.objects.get(pk=job_id)
    assert job.state == JobState.SUCCEEDED, job.error
    assert [f["name"].rsplit("-", 1)[1] for f in job.report["files"]] == [
        "en_US.ndjson",
        "fr_FR.ndjson",
    ]


def test_a_schedule_that_can_no_longer_run_records_a_failed_job(owner):
    nightly = schedule(owner, locales=["fr_FR"])
    Channel.objects.get(code="ecommerce").locales.remove(
        *Channel.objects.get(code="ecommerce").locales.filter(code="fr_FR")
    )
    [job_id] = exports.scheduled_exports_run(now=nightly.next_run_at)
    job = Job.objects.get(pk=job_id)
    assert job.state == JobState.FAILED and "does not publish fr_FR" in job.error
    nightly.refresh_from_db()
    assert nightly.last_job == job and nightly.next_run_at > job.created_at


def test_a_key_restricted_to_another_channel_does_not_see_its_schedules(owner, client):
    from governance.api_keys import api_key_create

    schedule(owner)
    _, raw = api_key_create(name="print", scope="read", channel=Channel.objects.get(code="print"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"{SCHEDULES}/nightly", **headers).status_code == 404
    assert client.get(SCHEDULES, **headers).json()["results"] == []


def test_the_admin_saves_through_the_service_and_exports_now(client, owner, local_storage):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/linking/scheduledexport/add/",
        {"code": "weekly", "channel": Channel.objects.get(code="print").pk, "locales": "[]",
         "format": "csv", "interval_minutes": 7 * 24 * 60, "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    weekly = ScheduledExport.objects.get(code="weekly")
    assert weekly.created_by == admin and weekly.next_run_at is not None
    refused = client.post(
        "/admin/linking/scheduledexport/add/",
        {"code": "bad", "channel": Channel.objects.get(code="print").pk, "locales": '["en_US"]',
         "format": "csv", "interval_minutes": 60, "is_active": "on"},
    )  # fmt: skip
    assert refused.status_code == 200 and b"does not publish en_US" in refused.content
    response = client.post(
        "/admin/linking/scheduledexport/",
        {"action": "run_now", "_selected_action": [weekly.pk]},
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.parameters["schedule"] == "weekly" and job.created_by == admin


def test_a_schedule_whose_owner_may_no_longer_read_products_exports_nothing(owner):
    nightly = schedule(owner)
    owner.groups.clear()
    [job_id] = exports.scheduled_exports_run(now=nightly.next_run_at)
    job = Job.objects.get(pk=job_id)
    assert job.state == JobState.FAILED and "may no longer read products" in job.error
