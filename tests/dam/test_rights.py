from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone as django_timezone

from dam.models import Asset
from dam.services import rights_expiring, usable_for, usage_right_save
from governance import services as governance
from governance.models import Locale

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def asset():
    governance.code_entry_create(model=Locale, code="en_US")
    for code in ("ecommerce", "print"):
        governance.channel_create(code=code, locales=["en_US"])
    return Asset.objects.create(code="hero", kind="image")


@pytest.mark.parametrize(
    ("right", "channel", "territory", "usable", "reason"),
    [
        (None, "ecommerce", "FR", False, "No usage right"),
        ({"licence": "owned"}, "print", "JP", True, "Owned right."),
        (
            {"licence": "royalty_free", "territories": ["FR", "DE"]},
            "ecommerce",
            "FR",
            True,
            "Royalty-free",
        ),
        (
            {"licence": "royalty_free", "territories": ["FR", "DE"]},
            "ecommerce",
            "US",
            False,
            "not licensed in US",
        ),
        (
            {"licence": "rights_managed", "channels": ["print"]},
            "ecommerce",
            "FR",
            False,
            "not licensed on ecommerce",
        ),
        (
            {"licence": "rights_managed", "valid_until": NOW - timedelta(days=1)},
            "print",
            "FR",
            False,
            "expired 2026-05-31",
        ),
        (
            {"licence": "rights_managed", "valid_from": NOW + timedelta(days=1)},
            "print",
            "FR",
            False,
            "starts 2026-06-02",
        ),
        (
            {"licence": "rights_managed", "valid_until": NOW + timedelta(days=9)},
            "print",
            "FR",
            True,
            "until 2026-06-10",
        ),
        ({"licence": "editorial_only"}, "print", "FR", False, "editorial use only"),
    ],
)
def test_usable_for_answers_with_the_reason(asset, right, channel, territory, usable, reason):
    if right:
        usage_right_save(asset=asset, changes=right)
    answer = usable_for(asset=asset, channel=channel, territory=territory, at=NOW)
    assert answer.usable is usable
    assert reason in answer.reason


def test_any_right_that_allows_the_use_suffices(asset):
    usage_right_save(asset=asset, changes={"licence": "rights_managed", "territories": ["FR"]})
    usage_right_save(asset=asset, changes={"licence": "royalty_free", "territories": ["US"]})
    assert usable_for(asset=asset, channel="print", territory="US", at=NOW).usable


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"licence": "stolen"}, "licence"),
        ({"licence": "owned", "territories": ["France"]}, "territories"),
        ({"licence": "owned", "channels": ["nowhere"]}, "channels"),
        ({"licence": "owned", "valid_from": NOW, "valid_until": NOW}, "valid_until"),
        (
            {"licence": "owned", "consent_document": "00000000-0000-0000-0000-000000000000"},
            "consent_document",
        ),
        ({"licence": "owned", "price": 10}, "price"),
    ],
)
def test_bad_rights_are_refused(asset, changes, field):
    with pytest.raises(ValidationError) as exc:
        usage_right_save(asset=asset, changes=changes)
    assert field in exc.value.error_dict
    assert not asset.rights.exists()


def test_the_expiry_report_lists_expired_and_expiring_rights(asset):
    usage_right_save(
        asset=asset, changes={"licence": "rights_managed", "valid_until": NOW - timedelta(days=2)}
    )
    usage_right_save(
        asset=asset, changes={"licence": "rights_managed", "valid_until": NOW + timedelta(days=10)}
    )
    usage_right_save(
        asset=asset, changes={"licence": "rights_managed", "valid_until": NOW + timedelta(days=90)}
    )
    report = rights_expiring(now=NOW)
    assert [len(report["expired"]), len(report["expiring"])] == [1, 1]


def test_the_rights_api(librarian):
    from tests.dam.conftest import image_bytes, upload

    governance.channel_create(code="ecommerce", locales=["en_US"])
    uuid = librarian.post(
        "/api/v1/assets", {"file": [upload("a.jpg", image_bytes())]}, format="multipart"
    ).json()["results"][0]["asset"]["uuid"]
    created = librarian.post(
        f"/api/v1/assets/{uuid}/rights",
        {"licence": "royalty_free", "territories": ["FR"], "channels": ["ecommerce"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert (
        librarian.get(f"/api/v1/assets/{uuid}/usable?channel=ecommerce&territory=fr").json()[
            "usable"
        ]
        is True
    )
    assert (
        librarian.get(f"/api/v1/assets/{uuid}/usable?channel=ecommerce&territory=US").json()[
            "usable"
        ]
        is False
    )
    assert librarian.get(f"/api/v1/assets/{uuid}/usable?channel=ecommerce").status_code == 422
    bad = librarian.post(f"/api/v1/assets/{uuid}/rights", {"licence": "nope"}, format="json")
    assert bad.status_code == 422


def test_the_daily_task_announces_each_expiry_once(asset):
    from dam.tasks import rights_expiry_report
    from governance.models import Event

    soon = django_timezone.now() + timedelta(days=3)
    usage_right_save(asset=asset, changes={"licence": "rights_managed", "valid_until": soon})
    rights_expiry_report.apply()
    rights_expiry_report.apply()  # tomorrow's run: nothing new to tell
    [event] = Event.objects.all()
    assert event.name == "dam.usage_right.expiring"
    assert event.payload["asset"] == str(asset.uuid)


def test_moments_with_any_offset_are_kept_in_utc(asset):
    """Found by the fuzzer: `+20:56` is a valid offset to Python and not to PostgreSQL."""
    right = usage_right_save(
        asset=asset,
        changes={
            "licence": "rights_managed",
            "valid_from": "2026-01-09T14:59:01+20:56",
            "valid_until": datetime(2027, 1, 1, tzinfo=timezone(timedelta(hours=-23))),
        },
    )
    right.refresh_from_db()
    assert right.valid_from == datetime(2026, 1, 8, 18, 3, 1, tzinfo=UTC)
    assert right.valid_until == datetime(2027, 1, 1, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "code"),
    [("0001-01-01T00:30:00+20:00", "out_of_range"), ("next tuesday", "invalid")],
)
def test_a_moment_that_is_none_is_refused_on_its_field(asset, moment, code):
    with pytest.raises(ValidationError) as refused:
        usage_right_save(asset=asset, changes={"licence": "owned", "valid_until": moment})
    assert [e.code for e in refused.value.error_dict["valid_until"]] == [code]
