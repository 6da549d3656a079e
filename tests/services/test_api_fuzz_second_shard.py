"""The second half of the API fuzzing (see test_api_fuzz.py), in its own file so the service
tier's other test process takes it."""

from tests.pim.conftest import catalog  # noqa: F401 - fixtures the fuzzing builds on
from tests.services.test_api_fuzz import (  # noqa: F401
    fuzz_shard,
    pytestmark,
    raw_schema,
    seeded,
    write_key,
    wsgi_app,
)


def test_api_fuzz_second_shard(raw_schema, wsgi_app, write_key, seeded, pytestconfig):  # noqa: F811
    fuzz_shard(1, raw_schema, wsgi_app, write_key, pytestconfig)
