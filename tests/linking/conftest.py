"""Fixtures shared by the linking tests. `linked_catalog`: see tests/linking/builders.py."""

import pytest

from tests.linking import builders
from tests.pim.conftest import catalog  # noqa: F401 - the catalog linked_catalog builds on


@pytest.fixture
def linked_catalog(catalog, local_storage):  # noqa: F811
    """Products, models and image assets ready to be linked (tests/linking/builders.py)."""
    return builders.linked_catalog()
