"""Jobs in the workbench: a librarian starts a relink from the asset library and watches the
job's panel, which polls until the job has finished; others cannot start one or see it."""

import pytest
from django.contrib.auth.models import Group

from governance import roles
from governance.models import Job, JobState
from tests.governance.factories import UserFactory
from tests.linking.test_relink import library  # noqa: F401 - assets named for the rules

pytestmark = pytest.mark.django_db


def person(client, role, username):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def test_a_librarian_relinks_from_the_library_and_watches_the_job_finish(
    client,
    library,  # noqa: F811
    run_tasks_on_commit,
):
    person(client, roles.ASSET_LIBRARIAN, "lena")
    assert "Relink by naming rules" in client.get("/assets/").content.decode()
    with run_tasks_on_commit(execute=True):
        response = client.post("/assets/relink/", {"only_unlinked": "on"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.state == JobState.SUCCEEDED
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Succeeded" in page and 'hx-trigger="every 1s"' not in page  # finished: no polling
    assert "AB_1_hero_1.jpg" in page  # the report's linked names
    assert 'value="100"' in page


def test_a_running_job_panel_polls_and_answers_htmx_with_the_panel_alone(client, library):  # noqa: F811
    user = person(client, roles.ASSET_LIBRARIAN, "lena")
    job = Job.objects.create(kind="relink", state=JobState.RUNNING, total=8, processed=2)
    job.created_by = user
    job.save()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="25"' in page and "<h1>" in page
    panel = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert panel.lstrip().startswith('<section id="job-panel"') and "<h1>" not in panel


def test_others_cannot_start_a_relink_or_see_someone_elses_job(client, library):  # noqa: F811
    job = Job.objects.create(kind="relink", state=JobState.QUEUED)
    person(client, roles.PRODUCT_EDITOR, "erin")
    assert "Relink by naming rules" not in client.get("/assets/").content.decode()
    assert client.post("/assets/relink/", {"only_unlinked": "on"}).status_code == 403
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert not Job.objects.exclude(pk=job.pk).exists()
