import pytest

from tests.governance.factories import LocaleFactory, UserFactory

TAXONOMY_MODELS = ("vocabulary", "term", "category", "channel")


@pytest.fixture
def taxonomy_client(api_client, db):
    """Logged in as a user allowed to manage vocabularies, terms, categories and channels."""
    user = UserFactory(
        username="taxonomist",
        permissions=[
            f"governance.{action}_{model}"
            for action in ("add", "change", "delete", "view")
            for model in TAXONOMY_MODELS
        ],
    )
    api_client.force_authenticate(user)
    return api_client


@pytest.fixture
def locales(db):
    """en_US, fr_FR and de_DE, for labels."""
    return [LocaleFactory(code=code) for code in ("en_US", "fr_FR", "de_DE")]
