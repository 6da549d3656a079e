"""The permission matrix (issue #5's acceptance): every route of the project × every HTTP
method its view allows × every principal (anonymous, each role, read key, write key, key
restricted to another channel) answers the status written down in tests/permission_matrix/.

The world (one of each object) is built once for the module; every request runs in a
savepoint that is rolled back, so a DELETE leaves the world as it was."""

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.permission_matrix.routes import EXCLUDED_PREFIXES, MULTIPART, ROUTES
from tests.permission_matrix.world import PRINCIPALS, build_world

IGNORED_METHODS = {"head", "options", "trace"}


def walk(patterns, prefix="", namespace=""):
    """(route string, name, pattern) for every URL pattern, through includes."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else prefix + str(pattern.pattern)
            yield prefix + str(pattern.pattern), name, pattern


def project_routes() -> dict[str, URLPattern]:
    routes = {}
    for route, name, pattern in walk(get_resolver().url_patterns):
        if route.startswith(EXCLUDED_PREFIXES) and route not in ("admin/",):
            continue
        routes[name] = pattern
    return routes


def view_methods(pattern: URLPattern) -> set[str] | None:
    """The methods a view answers: a viewset's actions, a class's handlers; None for a plain
    function (its methods are the matrix's word)."""
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:
        return set(actions) - IGNORED_METHODS
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return None
    names = set(view_class.http_method_names) - IGNORED_METHODS
    return {name for name in names if hasattr(view_class, name)}


def test_every_route_is_in_the_matrix():
    routes = project_routes()
    unlisted = sorted(set(routes) - set(ROUTES))
    assert not unlisted, f"Routes missing from tests/permission_matrix/routes.py: {unlisted}"
    stale = sorted(set(ROUTES) - set(routes))
    assert not stale, f"The matrix names routes that no longer exist: {stale}"
    for name, pattern in routes.items():
        methods = view_methods(pattern)
        if methods is not None:
            assert set(ROUTES[name].methods) == methods, f"{name}: the view answers {methods}"


def test_every_principal_has_a_status_in_every_cell():
    for name, route in ROUTES.items():
        for method, statuses in route.methods.items():
            assert set(statuses) == set(PRINCIPALS), (name, method)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once; rolled back when the module is done."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def call(world, principal: str, method: str, path: str, body):
    client = world.client(principal)
    client.raise_request_exception = False
    headers = world.headers(principal)
    with transaction.atomic():
        if body is MULTIPART:
            response = client.post(path, data={}, **headers)
        elif method in ("get", "delete"):
            response = client.generic(method.upper(), path, **headers)
        else:
            data, content_type = body or ("{}", "application/json")
            data = data.replace("{asset}", world.names["asset"])
            response = client.generic(method.upper(), path, data, content_type, **headers)
        transaction.set_rollback(True)
    return response.status_code


CELLS = [(name, method) for name, route in ROUTES.items() for method in route.methods]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), CELLS, ids=[f"{n}:{m}" for n, m in CELLS])
def test_route_answers_each_principal_as_the_matrix_says(world, name, method):
    route = ROUTES[name]
    path = route.path.format(**world.names)
    match = resolve(path.split("?")[0])
    resolved = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    assert resolved == name, f"{path} resolves to {resolved}, not {name}"
    expected = route.methods[method]
    body = route.bodies.get(method)
    actual = {p: call(world, p, method, path, body) for p in PRINCIPALS}
    wrong = {
        p: f"{actual[p]} (expected {expected[p]})" for p in PRINCIPALS if actual[p] != expected[p]
    }
    assert not wrong, f"{method.upper()} {path}: {wrong}"
