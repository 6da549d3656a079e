"""Background jobs: the generic services a worker uses, and the API people follow them with."""

import pytest
from django.contrib.auth.models import Group

from governance import jobs, roles
from governance.api_keys import api_key_create
from governance.audit import acting_as, current_actor
from governance.models import Job, JobState
from tests.governance.factories import UserFactory

JOBS = "/api/v1/jobs"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def job_of(user, **fields) -> Job:
    with acting_as(user=user):
        job = jobs.job_create(kind="relink", parameters={"dry_run": True})
    Job.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def test_a_job_runs_once_as_whoever_started_it(alice):
    job = job_of(alice)
    assert (job.state, job.created_by, job.api_key) == (JobState.QUEUED, alice, None)
    actors = []

    def work(*, job):
        actors.append(current_actor().user)
        jobs.job_progress(job=job, processed=2, total=4, report={"half": True})
        assert Job.objects.get(pk=job.pk).processed == 2  # visible while it runs
        return {"done": True}

    assert jobs.job_run(job_id=job.pk, work=work) == "succeeded"
    job.refresh_from_db()
    assert (job.state, job.total, job.processed, job.report) == (
        JobState.SUCCEEDED, 4, 2, {"done": True},
    )  # fmt: skip
    assert job.started_at <= job.finished_at and actors == [alice]
    assert jobs.job_run(job_id=job.pk, work=work) == "skipped"
    assert jobs.job_run(job_id=0, work=work) == "skipped"
    assert actors == [alice]


def test_a_crash_fails_the_job_and_says_why(alice):
    job = job_of(alice)

    def work(*, job):
        jobs.job_progress(job=job, processed=1, report={"so_far": 1})
        raise KeyError("sku")

    assert jobs.job_run(job_id=job.pk, work=work) == "failed"
    job.refresh_from_db()
    assert (job.state, job.error, job.report) == (JobState.FAILED, "KeyError: 'sku'", {"so_far": 1})
    assert job.finished_at is not None


def test_a_job_left_running_by_a_dead_worker_starts_again_from_scratch(alice):
    job = job_of(alice, state=JobState.RUNNING, processed=7, report={"stale": True})
    started = jobs.job_start(job_id=job.pk)
    assert (started.state, started.processed, started.report) == (JobState.RUNNING, 0, {})


def test_a_job_is_visible_to_its_starter_and_administrators_only(api_client, alice):
    job = job_of(alice, total=4, processed=1)
    bob = UserFactory(username="bob")
    admin = UserFactory(username="admin")
    admin.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    api_client.force_authenticate(alice)
    body = api_client.get(f"{JOBS}/{job.pk}").json()
    assert (body["kind"], body["state"], body["progress"], body["total"]) == (
        "relink",
        "queued",
        25,
        4,
    )
    assert set(body) == {
        "id", "kind", "state", "parameters", "total", "processed", "progress", "report",
        "error", "created_at", "started_at", "finished_at",
    }  # fmt: skip
    api_client.force_authenticate(bob)
    assert api_client.get(f"{JOBS}/{job.pk}").status_code == 404
    assert api_client.get(JOBS).json()["results"] == []
    api_client.force_authenticate(admin)
    assert api_client.get(f"{JOBS}/{job.pk}").status_code == 200
    assert api_client.get(JOBS).json()["results"] == []  # the list is one's own jobs


def test_an_api_keys_jobs_are_its_own(api_client, alice):
    key, raw = api_key_create(name="integration", scope="read")
    with acting_as(api_key=key):
        job = jobs.job_create(kind="export")
    job_of(alice)
    response = api_client.get(JOBS, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [j["id"] for j in response.json()["results"]] == [job.pk]
    assert api_client.get(f"{JOBS}/{job.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    api_client.force_authenticate(alice)
    assert api_client.get(f"{JOBS}/{job.pk}").status_code == 404


def test_progress_is_unknown_until_the_total_is(alice):
    from governance.api.job_views import JobSerializer

    assert JobSerializer(job_of(alice)).data["progress"] is None
    assert JobSerializer(job_of(alice, total=0, state=JobState.SUCCEEDED)).data["progress"] == 100


def test_listing_jobs_costs_the_same_queries_for_3_or_30(
    api_client, alice, django_assert_max_num_queries
):
    api_client.force_authenticate(alice)

    def count(n):
        Job.objects.all().delete()
        for _ in range(n):
            job_of(alice)
        with django_assert_max_num_queries(5) as captured:
            results = api_client.get(JOBS).json()["results"]
        assert len(results) == n
        return len(captured)

    assert count(3) == count(30)
    assert api_client.get(JOBS, {"page_size": 2}).json()["next"] is not None


def _download(client, location: str) -> bytes:
    """The file behind a signed link: the local signed-file view, or S3's presigned URL."""
    if location.startswith("/"):
        response = client.get(location)
        body = b"".join(response.streaming_content)
    else:
        import requests

        response = requests.get(location, timeout=10)
        body = response.content
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    return body


def test_a_jobs_files_download_through_a_signed_link_for_whoever_may_see_the_job(
    api_client, client, alice
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("jobs/errors.csv", ContentFile(b"sku,error\nA,bad\n"))
    job = job_of(alice, report={"files": [{"label": "Error file", "name": name}]})
    api_client.force_authenticate(alice)
    response = api_client.get(f"{JOBS}/{job.pk}/files/0")
    assert response.status_code == 302
    assert _download(client, response["Location"]) == b"sku,error\nA,bad\n"
    # No such file: past the list's end, or a file gone from storage.
    assert api_client.get(f"{JOBS}/{job.pk}/files/1").status_code == 404
    default_storage.delete(name)
    assert api_client.get(f"{JOBS}/{job.pk}/files/0").status_code == 404
    # Someone else's job is not theirs to download from.
    api_client.force_authenticate(UserFactory(username="bob"))
    assert api_client.get(f"{JOBS}/{job.pk}/files/0").status_code == 404


def test_the_job_page_links_its_files(client, alice):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("jobs/export.csv", ContentFile(b"sku\n"))
    job = job_of(
        alice, state=JobState.SUCCEEDED, report={"files": [{"label": "Export", "name": name}]}
    )
    client.force_login(alice)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/jobs/{job.pk}/files/0/"' in page and ">Export</a>" in page
    assert client.get(f"/jobs/{job.pk}/files/0/").status_code == 302
    assert client.get(f"/jobs/{job.pk}/files/3/").status_code == 404
