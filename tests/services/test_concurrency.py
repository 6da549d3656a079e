"""Writers racing on one product, on PostgreSQL: twenty PATCHes naming the same ETag against a
real server (one wins, the others answer 412 and change nothing), and a Hypothesis state
machine over edits and workflow transitions that looks for lost updates and skipped states."""

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from governance import roles, workflow
from governance.api_keys import api_key_create
from governance.audit import acting_as
from pim.models import Product
from tests.governance.people import member
from tests.pim.builders import save, value
from tests.pim.conftest import catalog  # noqa: F401 - the fixture

WRITERS = 20


@pytest.mark.django_db(transaction=True)
def test_one_of_twenty_patches_with_the_same_etag_wins(live_server, catalog):  # noqa: F811
    outcome = save({"sku": "race-1", "family": "mugs", "values": {"pieces": value(1)}})
    assert outcome.ok, outcome.errors
    _, raw = api_key_create(
        name="Racers", scope="write", role=Group.objects.get(name=roles.PRODUCT_EDITOR)
    )
    url = f"{live_server.url}/api/v1/products/race-1"
    headers = {"Authorization": f"Bearer {raw}"}
    read = requests.get(url, headers=headers, timeout=10)
    assert read.status_code == 200, read.text
    etag = read.headers["ETag"]
    start = threading.Barrier(WRITERS)

    def patch(n):
        body = {"values": {"pieces": value(100 + n), "name": value(f"Racer {n}", locale="en_US")}}
        start.wait()  # all at once: each read the same version
        answer = requests.patch(url, json=body, headers={**headers, "If-Match": etag}, timeout=30)
        return n, answer

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = list(pool.map(patch, range(WRITERS)))

    statuses = sorted(a.status_code for _, a in answers)
    assert statuses == [200] + [412] * (WRITERS - 1), statuses
    for _, answer in answers:
        if answer.status_code == 412:
            assert answer.headers["Content-Type"] == "application/problem+json"
    [(winner, won)] = [(n, a) for n, a in answers if a.status_code == 200]
    product = Product.objects.get(sku="race-1")
    assert product.version == outcome.product.version + 1  # one write, not twenty
    assert list(product.values["pieces"].values()) == [100 + winner]
    final = requests.get(url, headers=headers, timeout=10).json()
    assert final["values"] == won.json()["values"]
    assert final["values"]["pieces"][0]["data"] == 100 + winner
    assert final["values"]["name"][0]["data"] == f"Racer {winner}"
    assert final["version"] == won.json()["version"]


class ProductLifecycle(RuleBasedStateMachine):
    """A model of one product: its version, its values and its workflow state. Each rule acts
    through the services as a person would; the invariants compare the stored row with the
    model after every step."""

    skus = itertools.count()
    editor = owner = None  # set by the test, once per run

    def __init__(self):
        super().__init__()
        self.sku = f"machine-{next(self.skus)}"
        with acting_as(user=self.editor):
            outcome = save({"sku": self.sku, "family": "mugs", "values": {"pieces": value(1)}})
        assert outcome.ok, outcome.errors
        self.version, self.pieces, self.state = outcome.product.version, 1, "draft"

    def _stored(self):
        return Product.objects.get(sku=self.sku)

    @rule(pieces=st.integers(1, 500))
    def edit(self, pieces):
        with acting_as(user=self.editor):
            outcome = save(
                {"sku": self.sku, "values": {"pieces": value(pieces)}},
                mode="update",
                expected_versions={0: self.version},
            )
        assert outcome.ok, outcome.errors
        if pieces != self.pieces:  # the same data again is no write
            self.version += 1
            self.pieces = pieces
            self.state = workflow.after_edit(self.state)

    @rule(pieces=st.integers(1, 500), behind=st.integers(1, 3))
    def stale_edit(self, pieces, behind):
        """A writer that read an older version is refused and changes nothing."""
        with acting_as(user=self.editor):
            outcome = save(
                {"sku": self.sku, "values": {"pieces": value(pieces)}},
                mode="update",
                expected_versions={0: self.version - behind},
            )
        assert outcome.status == 412, outcome.errors

    def _move(self, user, action, target, sources, comment=""):
        try:
            with acting_as(user=user):
                workflow.transition(obj=self._stored(), action=action, comment=comment)
        except ValidationError:
            assert self.state not in sources, f"{action} refused from {self.state}"
            return
        assert self.state in sources, f"{action} allowed from {self.state}"
        self.state, self.version = target, self.version + 1

    @rule()
    def submit(self):
        self._move(self.editor, "submit", "in_review", {"draft"})

    @rule()
    def approve(self):
        self._move(self.owner, "approve", "approved", {"in_review"})

    @rule()
    def reject(self):
        self._move(self.owner, "reject", "draft", {"in_review"}, comment="Not yet")

    @invariant()
    def stored_equals_model(self):
        product = self._stored()
        assert (product.version, product.workflow_state) == (self.version, self.state)
        assert list(product.values["pieces"].values()) == [self.pieces]


@pytest.mark.django_db(transaction=True)
def test_edits_and_transitions_lose_no_update_and_skip_no_state(catalog):  # noqa: F811
    ProductLifecycle.editor = member(roles.PRODUCT_EDITOR, "machine_editor")
    ProductLifecycle.owner = member(roles.PRODUCT_DATA_OWNER, "machine_owner")
    run_state_machine_as_test(
        ProductLifecycle,
        settings=settings(
            max_examples=15,
            stateful_step_count=10,
            deadline=None,
            database=None,  # no example files left in the checkout
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
