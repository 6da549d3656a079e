"""API fuzzing: schemathesis over the generated OpenAPI schema, in process, on PostgreSQL.

Every operation drf-spectacular describes is driven through the WSGI application with an
administrator's write key (the role that reaches the most operations; API keys and webhooks are
never managed with a key, so those answer 403, which the schema documents): up to
`TESSERA_FUZZ_EXAMPLES` examples each (default 100), positive and negative data mixed,
derandomized so a run is reproducible. Path parameters are drawn half from the seeded catalog
(so detail, update and delete operations reach real rows) and half as generated. No stateful
links: the schema declares none, and each example is rolled back (see _fuzz).

Checks on every response: no 5xx, and the status code, content type, headers and body conform to
the schema. Separately, every operation without the key must answer 401 problem+json.

`TESSERA_FUZZ_ONLY=<regex over "METHOD /path">` narrows a run when chasing a bug."""

import json
import os
import re
import time
import traceback

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks
from werkzeug.test import Client

from governance import roles
from governance.api_keys import api_key_create
from tests.governance.people import member
from tests.linking import builders
from tests.pim.conftest import catalog  # noqa: F401 - the seeded catalog builds on it

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("TESSERA_FUZZ_EXAMPLES", "100"))
ONLY = re.compile(os.environ.get("TESSERA_FUZZ_ONLY", ""))
HOST = "localhost"  # what schemathesis's WSGI client sends
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
]
# Not run per example: `ignored_auth` (it re-sends twice per 2xx answer and takes 403 as well as
# 401; test_every_operation_refuses_a_request_without_a_key below is stricter and sends one
# request per operation), and the checks that judge what the server accepts or chains
# (`negative_data_rejection`, `positive_data_acceptance`, `use_after_free`, …): every request
# here is rolled back, and "accepted a value the schema calls invalid" is not a fault when the
# schema is the stricter side.
DUMMY = {"uuid": "00000000-0000-4000-8000-000000000000", "int": "1", "str": "x"}
# Path parameters named after another resource's field.
ALIASES = {"vocabulary_code": ("vocabularies", "code"), "channel": ("channels", "code")}
IDENTIFIERS = ("code", "sku", "uuid", "id", "prefix", "message_id")
SMALL_NUMBERS = ("number", "index", "right_id")
SHARDS = 2  # test_api_fuzz.py runs shard 0, test_api_fuzz_second_shard.py shard 1
# PATCH /products takes NDJSON (one product per line), which the schema gives as a string.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


@pytest.fixture
def wsgi_app(settings):
    """The WSGI application, keeping the test's connection: Django closes "old" connections at
    the end of each request, which would end the test transaction (its test client does this
    too)."""
    settings.ALLOWED_HOSTS = [HOST]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def write_key(db):
    admin = member(roles.ADMINISTRATOR, "fuzz-admin")
    _, raw = api_key_create(
        name="fuzz",
        scope="write",
        role=Group.objects.get(name=roles.ADMINISTRATOR),
        created_by=admin,
    )
    return raw


@pytest.fixture
def raw_schema(db):
    generated = SchemaGenerator().get_schema(request=None, public=True)
    # The JSON the API serves (dates, decimals and lazy strings as text), not Python objects.
    return json.loads(json.dumps(generated, default=str))


@pytest.fixture
def seeded(catalog):  # noqa: F811
    """Products, models, real image assets (on the tier's S3 storage) and a link."""
    from linking.services.links import link_add

    linked = builders.linked_catalog()
    link_add(asset=linked.assets["hero"], product=linked.standalone, role="hero")
    return linked


def _known(app, key: str, paths) -> dict[str, dict[str, list]]:
    """Identifiers of seeded rows, per resource and field, read through the list operations."""
    client = Client(app)
    known: dict[str, dict[str, list]] = {}
    for path in paths:
        match = re.fullmatch(r"/api/v1/([a-z-]+)", path)
        if not match:
            continue
        response = client.get(path, headers={"Authorization": f"Bearer {key}"})
        if response.status_code != 200:
            continue
        body = response.get_json(silent=True)
        rows = body.get("results") if isinstance(body, dict) else body
        for row in rows if isinstance(rows, list) else []:
            for field in IDENTIFIERS:
                if isinstance(row, dict) and row.get(field) not in (None, ""):
                    values = known.setdefault(match[1], {}).setdefault(field, [])
                    if len(values) < 20:
                        values.append(row[field])
    return known


def _seeded_path_parameters(known):
    def flatmap_path_parameters(context, path_parameters):
        """Half the time, identifiers of seeded rows: a random `sku` never reaches a product."""
        if not path_parameters:
            return st.just(path_parameters)
        resource = context.operation.path.split("/")[3]
        choices = {}
        for name in path_parameters:
            source, field = ALIASES.get(name, (resource, name))
            if name == "sku":
                source = "products"
            values = known.get(source, {}).get(field)
            if values:
                choices[name] = st.sampled_from(values)
            elif name in SMALL_NUMBERS:
                choices[name] = st.integers(min_value=0, max_value=3)
        if not choices:
            return st.just(path_parameters)
        fixed = {name: st.just(value) for name, value in path_parameters.items()}
        return st.one_of(st.just(path_parameters), st.fixed_dictionaries({**fixed, **choices}))

    return flatmap_path_parameters


def _fuzz(operation, headers) -> int:
    """Run the example budget against one operation; the number of requests sent."""
    sent = 0
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    def run(case):
        nonlocal sent
        sent += 1
        # Each request in a savepoint rolled back: the seed stays as it was for every example,
        # and a failed statement cannot spoil the requests after it.
        with transaction.atomic():
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            finally:
                transaction.set_rollback(True)

    run()
    return sent


def fuzz_shard(shard: int, raw_schema, wsgi_app, write_key, pytestconfig) -> None:
    """Fuzz every SHARDS-th operation from `shard`: the shards are separate files, so the
    service tier's two test processes share the budget."""
    schema = schemathesis.openapi.from_dict(raw_schema)
    schema.app = wsgi_app
    schema.hook(_seeded_path_parameters(_known(wsgi_app, write_key, raw_schema["paths"])))
    headers = {"Authorization": f"Bearer {write_key}"}
    failures, stats = {}, []
    started = time.monotonic()
    for index, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        if index % SHARDS != shard or not ONLY.search(operation.label):
            continue
        t0 = time.monotonic()
        try:
            sent = _fuzz(operation, headers)
        except (Exception, BaseExceptionGroup) as exc:  # every operation runs; all are reported
            failures[operation.label] = (
                exc
                if isinstance(exc, BaseExceptionGroup)
                else "".join(traceback.format_exception(exc))
            )
            sent = -1
        stats.append((operation.label, sent, time.monotonic() - t0))
    report = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    report.write_line(f"\nfuzzed {len(stats)} operations in {time.monotonic() - started:.0f}s")
    for label, sent, seconds in sorted(stats, key=lambda s: -s[2])[:10]:
        report.write_line(f"  {seconds:6.1f}s {sent:5d} requests  {label}")
    assert stats or ONLY.pattern, "no operation fuzzed"
    assert not failures, "\n\n".join(f"{label}:\n{exc}" for label, exc in failures.items())


def test_api_fuzz_first_shard(raw_schema, wsgi_app, write_key, seeded, pytestconfig):
    fuzz_shard(0, raw_schema, wsgi_app, write_key, pytestconfig)


def _concrete(path: str, known) -> str:
    """The path with each parameter filled in: a seeded identifier, else a well-formed dummy."""
    resource = path.split("/")[3]

    def fill(match):
        name = match[1]
        source, field = ALIASES.get(name, ("products" if name == "sku" else resource, name))
        values = known.get(source, {}).get(field)
        if values:
            return str(values[0])
        if name == "uuid":
            return DUMMY["uuid"]
        return DUMMY["int"] if name in (*SMALL_NUMBERS, "id") else DUMMY["str"]

    return re.sub(r"\{(\w+)\}", fill, path)


def test_every_operation_refuses_a_request_without_a_key(raw_schema, wsgi_app, write_key, seeded):
    """401 problem+json (and a Bearer challenge), before any validation or lookup."""
    known = _known(wsgi_app, write_key, raw_schema["paths"])
    client = Client(wsgi_app)
    wrong = []
    count = 0
    for path, operations in raw_schema["paths"].items():
        for method in operations:
            count += 1
            response = client.open(_concrete(path, known), method=method.upper(), json={})
            if (
                response.status_code != 401
                or response.mimetype != "application/problem+json"
                or not response.headers.get("WWW-Authenticate", "").startswith("Bearer")
            ):
                wrong.append(f"{method.upper()} {path}: {response.status_code} {response.mimetype}")
    assert not wrong, wrong
    assert count >= 150  # every operation the schema describes was tried


PATHS_WITH_UPDATED_SINCE = [
    "/api/v1/locales",
    "/api/v1/channels",
    "/api/v1/products",
    "/api/v1/assets",
    "/api/v1/channels/ecommerce/products",
]
EXTRA = {"/api/v1/channels/ecommerce/products": {"locale": "en_US"}}


@pytest.fixture
def keyed_client(api_client, write_key, catalog):  # noqa: F811
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {write_key}")
    return api_client


@pytest.mark.parametrize("path", PATHS_WITH_UPDATED_SINCE)
@pytest.mark.parametrize(
    "since",
    [
        "0001-01-01T00:00:00+05:00",  # before year 1 once in UTC
        "2026-02-30T00:00:00Z",  # well-formed, no such day
    ],
)
def test_updated_since_that_is_no_moment_is_a_client_error(keyed_client, path, since):
    response = keyed_client.get(path, {"updated_since": since, **EXTRA.get(path, {})})
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("path", PATHS_WITH_UPDATED_SINCE)
def test_updated_since_with_an_offset_postgresql_refuses_is_read_as_utc(keyed_client, path):
    """Found by the fuzzer: Python takes offsets up to ±23:59, PostgreSQL only ±15:59 — it was
    a 500; read as UTC it is an ordinary moment."""
    since = "2999-01-15T11:08:30-20:48"
    response = keyed_client.get(path, {"updated_since": since, **EXTRA.get(path, {})})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_within_range_offsets_still_filter(keyed_client):
    def codes(since):
        response = keyed_client.get("/api/v1/locales", {"updated_since": since})
        return sorted(row["code"] for row in response.json()["results"])

    assert codes("2000-01-01T00:00:00+14:00") == ["de_DE", "en_US", "fr_FR"]
    assert codes("2000-01-01T00:00:00-20:00") == ["de_DE", "en_US", "fr_FR"]
    assert codes("2999-01-01T00:00:00-12:00") == []


def test_a_nul_in_a_query_string_is_a_400(keyed_client):
    """Found by the fuzzer: `?tree=%00` reached PostgreSQL, which cannot store NUL: a 500."""
    response = keyed_client.get("/api/v1/categories?tree=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_a_non_numeric_notification_id_is_a_404(keyed_client):
    """Found by the fuzzer: `/notifications/false/read` was a 500 (an int lookup on "false")."""
    assert keyed_client.post("/api/v1/notifications/false/read").status_code == 404


def test_a_family_label_attribute_that_is_not_a_code_is_a_422(keyed_client):
    """Found by the fuzzer: a JSON object as `label_attribute` was a 500 (unhashable)."""
    response = keyed_client.post(
        "/api/v1/families", {"code": "bags", "label_attribute": {"a": 1}}, format="json"
    )
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["label_attribute"]


def test_a_category_code_with_a_nul_names_no_category(keyed_client):
    """Found by the fuzzer: a NUL in a category code reached PostgreSQL: a 500."""
    response = keyed_client.post(
        "/api/v1/products",
        {"sku": "nul-cat", "family": "shirts", "categories": ["a\x00b"]},
        format="json",
    )
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["categories[0]"]


def test_an_empty_ndjson_upsert_is_a_422(keyed_client):
    """Found by the fuzzer: no lines answered 200 with no body and no Content-Type."""
    response = keyed_client.generic("PATCH", "/api/v1/products", "", "application/x-ndjson")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_an_upload_preset_bound_that_is_not_a_number_is_a_422(keyed_client):
    """Found by the fuzzer: `{"min_width": {}}` passed full_clean (an "empty" value) and the
    save was a 500."""
    response = keyed_client.post(
        "/api/v1/upload-presets", {"code": "web", "min_width": {}}, format="json"
    )
    assert response.status_code == 422, response.content
    assert "min_width" in {e["field"] for e in response.json()["errors"]}


def test_an_attribute_date_bound_that_is_not_text_is_a_422(keyed_client):
    response = keyed_client.post(
        "/api/v1/attributes",
        {"code": "launch", "type": "date", "group": "general", "date_min": {"a": 1}},
        format="json",
    )
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["date_min"]


@pytest.mark.parametrize("bound", [{"a": 1}, [1], "many"])
def test_a_number_bound_that_is_no_number_is_a_422_beside_the_other_bound(keyed_client, bound):
    response = keyed_client.post(
        "/api/v1/attributes",
        {
            "code": "girth",
            "type": "number",
            "group": "general",
            "min_value": bound,
            "max_value": "5",
        },
        format="json",
    )
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["min_value"]


def test_family_attributes_that_are_not_codes_are_a_422(keyed_client):
    response = keyed_client.post(
        "/api/v1/families", {"code": "odd", "attributes": [["name"]]}, format="json"
    )
    assert response.status_code == 422, response.content
    assert "attributes" in [e["field"] for e in response.json()["errors"]]


def test_a_right_ending_at_an_offset_postgresql_refuses_is_kept_in_utc(keyed_client, seeded):
    uuid = seeded.assets["hero"].uuid
    response = keyed_client.post(
        f"/api/v1/assets/{uuid}/rights",
        {"licence": "owned", "valid_from": None, "valid_until": "0007-01-09T14:59:01+20:56"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["valid_until"].startswith("0007-01-08T18:03:01")
