"""An approved term merge renames asset tags named like a merged term, in the same transaction."""

import pytest
from django.core.exceptions import ValidationError

from dam.models import Asset, Tag, TagSource
from dam.services import asset_update
from governance import services as governance
from governance.audit import history
from governance.change_requests import change_request_approve, change_request_submit
from governance.models import ChangeRequestStatus, Term
from governance.signals import terms_merged

pytestmark = pytest.mark.django_db


@pytest.fixture
def colours(db):
    vocabulary = governance.vocabulary_create(code="colours")
    for code in ("red", "scarlet", "crimson", "blue"):
        governance.term_create(vocabulary=vocabulary, code=code)
    return governance.vocabulary_update(vocabulary=vocabulary, changes={"is_governed": True})


def asset(code: str, tags: list[str], embedded: list[str] = ()) -> Asset:
    row = Asset.objects.create(code=code, kind="image")
    row = asset_update(asset=row, changes={"tags": tags})
    for name in embedded:
        Tag.objects.create(asset=row, name=name, source=TagSource.EMBEDDED)
    return row


def tags(code: str) -> list[tuple[str, str]]:
    return sorted(Tag.objects.filter(asset__code=code).values_list("name", "source"))


def merge(colours, sources, target):
    request = change_request_submit(
        vocabulary=colours, kind="merge", payload={"sources": sources, "target": target}
    )
    return request, lambda: change_request_approve(change_request=request)


def test_merged_terms_rename_tags_once_per_asset_and_source(colours):
    asset("a", ["red", "sale"], embedded=["scarlet", "crimson"])
    asset("b", ["red", "scarlet", "crimson"])
    untouched = asset("c", ["blue"])
    version = Asset.objects.get(code="a").version
    _, apply = merge(colours, ["red", "scarlet"], "crimson")
    apply()
    assert tags("a") == [("crimson", "embedded"), ("crimson", "manual"), ("sale", "manual")]
    assert tags("b") == [("crimson", "manual")]
    assert tags("c") == [("blue", "manual")]
    a = Asset.objects.get(code="a")
    assert a.version == version + 1
    assert "crimson" in a.search_text.split() and "red" not in a.search_text.split()
    assert Asset.objects.get(code="c").version == untouched.version
    assert history(a)[0].changes == {
        "tags": [["crimson", "red", "sale", "scarlet"], ["crimson", "sale"]]
    }


def test_a_failure_after_the_tags_were_renamed_rolls_them_back(colours):
    asset("a", ["red"])
    request, apply = merge(colours, ["red"], "crimson")

    def fail(sender, **kwargs):
        raise ValidationError("refused", code="refused")

    terms_merged.connect(fail, dispatch_uid="test-dam-fail")  # after dam's receiver
    try:
        with pytest.raises(ValidationError):
            apply()
    finally:
        terms_merged.disconnect(dispatch_uid="test-dam-fail")
    assert tags("a") == [("red", "manual")]
    assert Asset.objects.get(code="a").version == 2  # created, then tagged
    assert Term.objects.filter(code="red").exists()
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.PENDING
