"""The quality-check registry, runs and their findings: services, task, API, admin, CSV."""

import csv
import io
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from governance import quality, roles
from governance.csv_export import csv_lines, safe_cell
from governance.models import QualityFinding, QualityRun, QualityRunStatus
from tests.governance.factories import UserFactory

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@x", "\tx", "\rx"]


@pytest.fixture
def checks(monkeypatch):
    """A registry of test checks only: many findings, a crashing check, formula-like refs."""
    monkeypatch.setattr(quality, "REGISTRY", {})

    @quality.quality_check("test.many", label="Many", severity="info", object_type="thing")
    def many():
        for index in range(2 * quality.FINDING_BATCH + 5):
            yield f"thing-{index:05d}", f"Thing {index}", {"index": index}

    @quality.quality_check("test.boom", label="Boom", severity="error", object_type="thing")
    def boom():
        yield "half-written", "stored before the crash", {}
        raise ValueError("the check is broken")

    @quality.quality_check("test.formulas", label="Formulas", severity="warning", object_type="x")
    def formulas():
        for ref in [*FORMULAS, "plain"]:
            yield ref, f"message {ref}", {"ref": ref}

    return quality.REGISTRY


def run_now(run_tasks_on_commit, **kwargs) -> QualityRun:
    with run_tasks_on_commit(execute=True):
        run = quality.quality_run_start(**kwargs)
    run.refresh_from_db()
    return run


def client_with_role(api_client, role: str):
    user = UserFactory(username=role.lower().replace(" ", "_"))
    user.groups.add(Group.objects.get(name=role))
    api_client.force_authenticate(user)
    return api_client


# --- registry ---------------------------------------------------------------------------


def test_each_app_registers_its_checks_when_ready():
    codes = set(quality.REGISTRY)
    assert {
        "pim.duplicate_sku",
        "pim.near_duplicate_name",
        "pim.attribute_always_blank",
        "pim.inconsistent_units",
        "pim.approved_incomplete",
        "dam.duplicate_asset",
        "dam.near_duplicate_asset",
        "dam.rights_expired",
        "dam.rights_expiring",
    } <= codes
    assert [c.code for c in quality.quality_checks()] == sorted(codes)


def test_two_checks_may_not_share_a_code(checks):
    with pytest.raises(ImproperlyConfigured, match="Two quality checks"):

        @quality.quality_check("test.many", label="Again", severity="info", object_type="thing")
        def another():
            return []


def test_a_check_needs_a_known_severity(checks):
    with pytest.raises(ImproperlyConfigured, match="unknown severity"):
        quality.quality_check("test.bad", label="Bad", severity="fatal", object_type="thing")


# --- runs -------------------------------------------------------------------------------


def test_a_run_stores_every_finding_in_batches_and_counts_them(checks, run_tasks_on_commit):
    run = run_now(run_tasks_on_commit, checks=["test.many", "test.formulas"])
    assert run.status == QualityRunStatus.DONE
    assert run.finished_at is not None and run.error == ""
    assert run.counts == {"test.many": 2 * quality.FINDING_BATCH + 5, "test.formulas": 7}
    many = QualityFinding.objects.filter(run=run, check_code="test.many")
    assert many.count() == 2 * quality.FINDING_BATCH + 5
    first = many.get(object_ref="thing-00000")
    assert (first.severity, first.object_type, first.details) == ("info", "thing", {"index": 0})


def test_a_crashing_check_fails_the_run_but_the_others_findings_are_kept(
    checks, run_tasks_on_commit
):
    run = run_now(run_tasks_on_commit, checks=["test.boom", "test.formulas"])
    assert run.status == QualityRunStatus.FAILED
    assert run.error == "test.boom: ValueError: the check is broken"
    assert run.counts == {"test.formulas": 7}
    codes = set(QualityFinding.objects.filter(run=run).values_list("check_code", flat=True))
    assert codes == {"test.formulas"}  # the crashed check's partial findings are gone


def test_running_a_finished_run_again_does_nothing(checks, run_tasks_on_commit):
    run = run_now(run_tasks_on_commit, checks=["test.formulas"])
    assert quality.quality_run_execute(run_id=run.pk) == "skipped"
    assert QualityFinding.objects.filter(run=run).count() == 7
    assert quality.quality_run_execute(run_id=run.pk + 1000) == "skipped"  # gone


def test_no_check_named_runs_all_of_them(checks, run_tasks_on_commit):
    run = run_now(run_tasks_on_commit)
    assert run.checks == ["test.boom", "test.formulas", "test.many"]
    assert set(run.counts) == {"test.formulas", "test.many"}


@pytest.mark.parametrize(
    ("names", "code"), [(["test.many", "nope", "also.nope"], "unknown_check"), ([], "empty")]
)
def test_unknown_or_no_checks_are_refused(checks, names, code):
    with pytest.raises(ValidationError) as refused:
        quality.quality_run_start(checks=names)
    assert [e.code for e in refused.value.error_dict["checks"]] == [code]
    assert not QualityRun.objects.exists()


def test_a_check_unregistered_after_queueing_fails_the_run(checks):
    run = QualityRun.objects.create(checks=["test.formulas", "test.gone"])
    assert quality.quality_run_execute(run_id=run.pk) == QualityRunStatus.FAILED
    run.refresh_from_db()
    assert run.counts == {"test.formulas": 7}
    assert "test.gone: the check no longer exists" in run.error


def test_only_the_newest_runs_are_kept(checks, run_tasks_on_commit, monkeypatch):
    monkeypatch.setattr(quality, "RUNS_KEPT", 2)
    runs = [run_now(run_tasks_on_commit, checks=["test.formulas"]) for _ in range(3)]
    assert list(QualityRun.objects.values_list("pk", flat=True)) == [r.pk for r in runs[:0:-1]]
    assert not QualityFinding.objects.filter(run=runs[0]).exists()


def test_a_run_left_running_for_hours_is_marked_failed_by_the_next_start(checks):
    stuck = QualityRun.objects.create(checks=["test.formulas"])
    QualityRun.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - timedelta(hours=5))
    fresh = QualityRun.objects.create(checks=["test.formulas"])
    quality.quality_run_start(checks=["test.formulas"])
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == QualityRunStatus.FAILED and "did not finish" in stuck.error
    assert fresh.status == QualityRunStatus.RUNNING


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers: no second executor"
)
@pytest.mark.django_db(transaction=True)
def test_a_run_being_executed_elsewhere_is_not_started_twice(checks):
    run = QualityRun.objects.create(checks=["test.formulas"])
    outcome = {}

    def second_executor():
        try:
            outcome["result"] = quality.quality_run_execute(run_id=run.pk)
        finally:
            connection.close()

    with transaction.atomic():
        QualityRun.objects.select_for_update().get(pk=run.pk)  # the first executor holds it
        thread = threading.Thread(target=second_executor)
        thread.start()
        thread.join(timeout=30)
    assert outcome == {"result": "skipped"}
    assert not QualityFinding.objects.exists()
    assert quality.quality_run_execute(run_id=run.pk) == QualityRunStatus.DONE


def test_the_nightly_task_starts_a_run_of_every_check(checks, run_tasks_on_commit):
    from governance.tasks import quality_run_nightly

    with run_tasks_on_commit(execute=True):
        run_id = quality_run_nightly.delay().get()
    run = QualityRun.objects.get(pk=run_id)
    assert run.checks == sorted(checks) and run.status == QualityRunStatus.FAILED  # test.boom


def test_the_nightly_run_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["quality-run-nightly"]
    assert entry["task"] == "governance.tasks.quality_run_nightly"


# --- CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULAS)
def test_a_cell_that_starts_like_a_formula_is_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
        (3, "3"),
        ({"b": 1, "a": "=x"}, '{"a":"=x","b":1}'),
    ],
)
def test_other_cells_are_left_as_they_are(value, cell):
    assert safe_cell(value) == cell


def test_csv_lines_quote_what_csv_needs_and_formulas_too():
    text = "".join(csv_lines(["ref", "note"], [["=1+2", 'say "hi", then go']]))
    assert list(csv.reader(io.StringIO(text))) == [["ref", "note"], ["'=1+2", 'say "hi", then go']]


# --- API ----------------------------------------------------------------------------------


def test_the_registry_is_listed(api_client):
    client = client_with_role(api_client, roles.VIEWER)
    response = client.get("/api/v1/quality-checks")
    assert response.status_code == 200
    listed = {c["code"]: c for c in response.json()["results"]}
    assert listed["pim.duplicate_sku"] == {
        "code": "pim.duplicate_sku",
        "label": quality.REGISTRY["pim.duplicate_sku"].label,
        "severity": "error",
        "object_type": "product",
    }


def test_starting_a_run_through_the_api_executes_it(checks, api_client, run_tasks_on_commit):
    client = client_with_role(api_client, roles.PRODUCT_DATA_OWNER)
    with run_tasks_on_commit(execute=True):
        response = client.post(
            "/api/v1/quality-runs", {"checks": ["test.formulas", "test.many"]}, format="json"
        )
    assert response.status_code == 202, response.content
    run = QualityRun.objects.get(pk=response.json()["id"])
    assert run.status == QualityRunStatus.DONE
    assert run.triggered_by.username == "product_data_owner"
    shown = client.get(f"/api/v1/quality-runs/{run.pk}").json()
    assert shown["status"] == "done"
    assert shown["counts"] == {"test.formulas": 7, "test.many": 2 * quality.FINDING_BATCH + 5}
    assert shown["findings_count"] == 2 * quality.FINDING_BATCH + 12
    assert shown["triggered_by"] == "product_data_owner"
    listed = client.get("/api/v1/quality-runs").json()["results"]
    assert [r["id"] for r in listed] == [run.pk]


def test_an_unknown_check_answers_422(checks, api_client):
    client = client_with_role(api_client, roles.ADMINISTRATOR)
    response = client.post("/api/v1/quality-runs", {"checks": ["test.many", "nope"]}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "checks", "code": "unknown_check", "message": "Unknown quality check(s): nope."}
    ]
    response = client.post("/api/v1/quality-runs", {"check": ["test.many"]}, format="json")
    assert response.status_code == 422
    assert not QualityRun.objects.exists()


def test_a_viewer_lists_runs_but_cannot_start_one(checks, api_client, run_tasks_on_commit):
    run = run_now(run_tasks_on_commit, checks=["test.formulas"])
    client = client_with_role(api_client, roles.VIEWER)
    assert client.get("/api/v1/quality-runs").status_code == 200
    assert client.get(f"/api/v1/quality-runs/{run.pk}/findings").status_code == 200
    response = client.post("/api/v1/quality-runs", {}, format="json")
    assert response.status_code == 403
    assert QualityRun.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/quality-checks",
        "/api/v1/quality-runs",
        "/api/v1/quality-runs/{run}",
        "/api/v1/quality-runs/{run}/findings",
        "/api/v1/quality-runs/{run}/findings.csv",
    ],
)
def test_reading_needs_the_view_permission(checks, api_client, run_tasks_on_commit, path):
    run = run_now(run_tasks_on_commit, checks=["test.formulas"])
    url = path.format(run=run.pk)
    assert api_client.get(url).status_code in (401, 403)  # anonymous
    api_client.force_authenticate(UserFactory(username="nobody"))
    assert api_client.get(url).status_code == 403


def test_findings_are_paged_and_filtered_by_check(
    checks, api_client, run_tasks_on_commit, django_assert_max_num_queries
):
    run = run_now(run_tasks_on_commit, checks=["test.many", "test.formulas"])
    client = client_with_role(api_client, roles.VIEWER)
    url = f"/api/v1/quality-runs/{run.pk}/findings"
    with django_assert_max_num_queries(6):
        page = client.get(url, {"check": "test.many", "page_size": 500}).json()
    assert len(page["results"]) == 500 and page["next"]
    assert {f["check"] for f in page["results"]} == {"test.many"}
    with django_assert_max_num_queries(6):
        second = client.get(page["next"]).json()
    assert len(second["results"]) == 500
    assert not {f["id"] for f in page["results"]} & {f["id"] for f in second["results"]}
    formulas = client.get(url, {"check": "test.formulas"}).json()["results"]
    assert formulas[0] | {"id": 0} == {
        "id": 0,
        "check": "test.formulas",
        "severity": "warning",
        "object_type": "x",
        "object_ref": FORMULAS[0],
        "message": f"message {FORMULAS[0]}",
        "details": {"ref": FORMULAS[0]},
    }
    assert client.get(url, {"severity": "fatal"}).status_code == 422
    assert client.get(f"/api/v1/quality-runs/{run.pk + 99}/findings").status_code == 404


def test_the_runs_list_costs_a_fixed_number_of_queries(
    checks, api_client, run_tasks_on_commit, django_assert_max_num_queries
):
    for _ in range(3):
        run_now(run_tasks_on_commit, checks=["test.formulas"])
    client = client_with_role(api_client, roles.VIEWER)
    with django_assert_max_num_queries(5):
        assert len(client.get("/api/v1/quality-runs").json()["results"]) == 3


def test_findings_download_as_csv_with_formulas_defused(checks, api_client, run_tasks_on_commit):
    run = run_now(run_tasks_on_commit, checks=["test.formulas", "test.many"])
    client = client_with_role(api_client, roles.VIEWER)
    response = client.get(f"/api/v1/quality-runs/{run.pk}/findings.csv", {"check": "test.formulas"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="quality-run-{run.pk}-findings.csv"'
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == list(quality.FINDING_COLUMNS)
    refs = {row[4] for row in rows[1:]}
    assert refs == {"'" + text for text in FORMULAS} | {"plain"}
    assert all(row[5].startswith("message") for row in rows[1:])
    hyperlink = next(row for row in rows[1:] if "HYPERLINK" in row[4])
    assert hyperlink[6] == "{" + '"ref":"=HYPERLINK(\\"http://evil.example\\",\\"x\\")"' + "}"


def test_findings_csv_answers_a_client_that_asks_for_csv(checks, api_client, run_tasks_on_commit):
    run = run_now(run_tasks_on_commit, checks=["test.formulas"])
    client = client_with_role(api_client, roles.VIEWER)
    url = f"/api/v1/quality-runs/{run.pk}/findings.csv"
    assert client.get(url, HTTP_ACCEPT="text/csv").status_code == 200
    missing = client.get(f"/api/v1/quality-runs/{run.pk + 9}/findings.csv", HTTP_ACCEPT="text/csv")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


# --- admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client_logged_in(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_starts_a_run_and_lists_it_with_its_counts(
    checks, admin_client_logged_in, run_tasks_on_commit
):
    client = admin_client_logged_in
    assert client.get("/admin/governance/qualityrun/add/").status_code == 200
    with run_tasks_on_commit(execute=True):
        response = client.post("/admin/governance/qualityrun/add/", {"checks": ["test.formulas"]})
    assert response.status_code == 302
    run = QualityRun.objects.get()
    assert (run.checks, run.status, run.triggered_by.username) == (
        ["test.formulas"],
        "done",
        "root",
    )
    page = client.get("/admin/governance/qualityrun/").content.decode()
    assert "test.formulas: 7" in page
    assert client.get(f"/admin/governance/qualityrun/{run.pk}/change/").status_code == 200
    findings = client.get(
        "/admin/governance/qualityfinding/", {"run__id__exact": run.pk, "severity": "warning"}
    )
    assert findings.status_code == 200 and "message plain" in findings.content.decode()


def test_the_admin_runs_selected_runs_again(checks, admin_client_logged_in, run_tasks_on_commit):
    first = run_now(run_tasks_on_commit, checks=["test.formulas"])
    with run_tasks_on_commit(execute=True):
        admin_client_logged_in.post(
            "/admin/governance/qualityrun/",
            {"action": "run_again", "_selected_action": [first.pk]},
        )
    again = QualityRun.objects.exclude(pk=first.pk).get()
    assert again.checks == ["test.formulas"] and again.status == "done"


def test_the_admin_exports_findings_as_safe_csv(
    checks, admin_client_logged_in, run_tasks_on_commit
):
    run = run_now(run_tasks_on_commit, checks=["test.formulas"])
    for url, selected in [
        ("/admin/governance/qualityrun/", [run.pk]),
        (
            "/admin/governance/qualityfinding/",
            list(QualityFinding.objects.values_list("pk", flat=True)),
        ),
    ]:
        action = "export_findings" if "qualityrun" in url else "export"
        response = admin_client_logged_in.post(
            url, {"action": action, "_selected_action": selected}
        )
        assert response["Content-Disposition"].startswith("attachment")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert {row[4] for row in rows[1:]} == {"'" + text for text in FORMULAS} | {"plain"}


def test_the_admin_refuses_starting_a_run_without_the_permission(checks, client):
    viewer = UserFactory(username="staff_viewer", is_staff=True)
    viewer.groups.add(Group.objects.get(name=roles.VIEWER))
    client.force_login(viewer)
    assert client.get("/admin/governance/qualityrun/").status_code == 200
    assert client.get("/admin/governance/qualityrun/add/").status_code == 403
    assert client.post("/admin/governance/qualityrun/add/", {}).status_code == 403
    assert not QualityRun.objects.exists()
