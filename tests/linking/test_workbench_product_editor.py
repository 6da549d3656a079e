"""The product editor page (/products/<sku>/): inputs per attribute type for the chosen
channel × locale, saving through the product service with the version read (stale → conflict),
inline errors, read-only for viewers, category scope, workflow actions and a constant query
count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import roles
from governance import services as governance
from governance.audit import history
from governance.models import Category, Channel, Locale
from governance.services_access import category_grant
from linking.models import MediaReadiness
from pim.models import Product
from pim.services import catalog as catalog_services
from pim.services.product_models import product_model_save
from tests.governance.people import member
from tests.pim.builders import attribute, save, value
from tests.pim.conftest import catalog  # noqa: F401 - the catalog the products are built on

URL = "/products/tee/"


@pytest.fixture
def tee(catalog):  # noqa: F811
    governance.category_create(code="master")
    governance.category_create(code="tops", parent="master")
    governance.category_create(code="shoes", parent="master")
    outcome = save(
        {
            "sku": "tee",
            "family": "shirts",
            "categories": ["tops"],
            "values": {
                "name": value("Tee", locale="en_US") + value("T-shirt", locale="fr_FR"),
                "price": value([{"amount": "9.5", "currency": "USD"}], channel="print"),
                "materials": value(["cotton"]),
            },
        }
    )
    assert outcome.ok, outcome.errors
    return Product.objects.get(sku="tee")


@pytest.fixture
def editor(client, tee):
    client.force_login(member(roles.PRODUCT_EDITOR))
    return client


def post(client, product, url=URL, **fields):
    data = {"version": product.version, "channel": "ecommerce", "locale": "en_US"}
    return client.post(url, {**data, **fields})


def test_anonymous_is_sent_to_log_in(client, tee):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_inputs_per_attribute_type_in_the_chosen_scope(editor):
    html = editor.get(URL).content.decode()
    assert 'name="v-name" value="Tee"' in html
    assert 'name="v-weight-amount"' in html and '<option value="kilogram">' in html
    assert 'name="v-price-EUR"' in html and 'name="v-price-USD"' in html  # ecommerce currencies
    assert 'type="checkbox" id="input-organic"' in html
    assert 'type="date" id="input-release"' in html
    assert "data-rich-text" in html
    assert '<option value="red">' in html and '<option value="green">' not in html  # deprecated
    assert '<select multiple id="input-materials"' in html
    assert '<option value="cotton" selected>' in html
    assert 'hx-get="/products/tee/media-panel/' in html
    assert "Submit for review" in html


def test_locale_and_channel_switch_the_values_shown(editor):
    html = editor.get(URL + "?locale=fr_FR").content.decode()
    assert 'name="v-name" value="T-shirt"' in html
    html = editor.get(URL + "?channel=print").content.decode()
    assert 'name="v-price-EUR"' in html and 'name="v-price-USD"' not in html
    assert 'name="v-name" value=""' in html  # print publishes de_DE only


def test_save_sends_the_changes_and_keeps_other_scopes(editor, tee):
    response = post(
        editor,
        tee,
        **{"v-name": "Tee 2", "v-price-EUR": "12.50", "v-weight-amount": "200"},
        **{"v-weight-unit": "gram", "v-materials": ["cotton", "wool"]},
    )
    # Post/redirect/get: back to the editor in the same scope, the message on the next page.
    assert response.status_code == 302
    assert response["Location"] == "/products/tee/?channel=ecommerce&locale=en_US"
    tee.refresh_from_db()
    assert "Saved — version 2." in editor.get(response["Location"]).content.decode()
    assert tee.values["name"] == {"|en_US": "Tee 2", "|fr_FR": "T-shirt"}
    assert tee.values["price"]["ecommerce|"] == [{"amount": "12.5", "currency": "EUR"}]
    assert tee.values["price"]["print|"] == [{"amount": "9.5", "currency": "USD"}]
    assert tee.values["weight"]["|"]["unit"] == "gram"
    assert tee.values["materials"]["|"] == ["cotton", "wool"]


def test_a_stale_version_is_a_conflict_and_keeps_the_input(editor, tee):
    save({"sku": "tee", "values": {"name": value("Theirs", locale="en_US")}})
    response = post(editor, tee, **{"v-name": "Mine"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this product since you opened it" in html
    assert 'name="v-name" value="Mine"' in html
    assert f'name="version" value="{tee.version}"' in html  # still the version read
    tee.refresh_from_db()
    assert tee.values["name"]["|en_US"] == "Theirs"


def test_service_errors_show_next_to_their_field(editor, tee):
    response = post(editor, tee, **{"v-pieces": "1000", "v-ean": "12"})
    assert response.status_code == 422
    html = response.content.decode()
    pieces = html[html.index('id="field-pieces"') : html.index('id="field-rating"')]
    assert 'aria-invalid="true" aria-describedby="err-pieces"' in pieces
    assert 'id="err-pieces"><li>1000 is above the maximum' in pieces
    assert 'id="err-ean"' in html
    tee.refresh_from_db()
    assert tee.version == 1 and "pieces" not in tee.values


def test_a_viewer_reads_without_edit_controls_and_cannot_post(client, tee):
    client.force_login(member(roles.VIEWER))
    html = client.get(URL).content.decode()
    assert 'data-testid="value-name">Tee<' in html
    assert 'name="v-name"' not in html and "pe-save" not in html
    assert "Submit for review" not in html
    assert post(client, tee, **{"v-name": "x"}).status_code == 403
    assert client.post(URL + "transition/", {"action": "submit"}).status_code == 403


def test_a_scoped_editor_gets_404_outside_their_categories(client, tee):
    user = member(roles.PRODUCT_EDITOR)
    category_grant(category=Category.objects.get(code="shoes"), user=user)
    client.force_login(user)
    assert client.get(URL).status_code == 404
    assert post(client, tee, **{"v-name": "x"}).status_code == 404


def test_workflow_actions_and_their_refusals(editor, tee):
    response = editor.post(URL + "transition/", {"action": "submit", "comment": ""})
    assert response.status_code == 422  # incomplete: price and weight are missing
    assert "price" in response.content.decode()
    complete = {
        "name": value("Tee", locale="de_DE"),
        "description": value("Ein Hemd", channel="print", locale="de_DE"),
        "price": value([{"amount": "9", "currency": "EUR"}], channel="ecommerce"),
        "weight": value({"amount": "200", "unit": "gram"}),
    }
    assert save({"sku": "tee", "values": complete}).ok
    response = editor.post(
        URL + "transition/", {"action": "submit", "channel": "ecommerce", "locale": "fr_FR"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/products/tee/?channel=ecommerce&locale=fr_FR#workflow"
    tee.refresh_from_db()
    assert tee.workflow_state == "in_review"


def test_completeness_links_jump_to_the_missing_input(editor, tee):
    MediaReadiness.objects.create(
        product=tee,
        channel=Channel.objects.get(code="ecommerce"),
        locale=Locale.objects.get(code="fr_FR"),
        score=50,
        required=2,
        ready=1,
    )
    html = editor.get(URL).content.decode()
    assert "Media ready: 50 %" in html
    assert 'href="?channel=ecommerce&amp;locale=fr_FR#field-weight"' in html
    assert 'id="field-weight"' in html


def test_history_shows_readable_diffs(editor, tee):
    save({"sku": "tee", "values": {"name": value("Tee 3", locale="en_US")}})
    html = editor.get(URL).content.decode()
    assert "name · en_US" in html and "<del>Tee</del>" in html and "<ins>Tee 3</ins>" in html


def test_sending_the_form_unchanged_writes_nothing(editor, tee):
    response = post(editor, tee, **{"v-name": "Tee", "v-materials": ["cotton"]})
    assert "Nothing changed." in editor.get(response["Location"]).content.decode()
    tee.refresh_from_db()
    assert tee.version == 1


def test_a_variant_shows_inherited_values_read_only_and_its_siblings(editor):
    product_model_save(
        data={
            "code": "oxford",
            "family_variant": "shirts_by_color_size",
            "categories": ["tops"],
            "values": {"name": value("Oxford", locale="en_US")},
        }
    )
    product_model_save(
        data={
            "code": "oxford_red",
            "family_variant": "shirts_by_color_size",
            "parent": "oxford",
            "values": {"color": value("red")},
        }
    )
    for size in ("m", "l"):
        item = {"sku": f"oxford-red-{size}", "parent": "oxford_red", "categories": ["tops"]}
        assert save({**item, "values": {"size": value(size)}}).ok
    html = editor.get("/products/oxford-red-m/").content.decode()
    assert 'data-testid="value-name">Oxford<' in html and 'name="v-name"' not in html
    assert "Inherited from product model oxford" in html
    assert 'name="v-ean"' in html  # edited on the variant
    assert "Variants of oxford_red" in html
    assert '<a href="/products/oxford-red-l/?channel=ecommerce&amp;locale=en_US">' in html


def test_restore_an_earlier_revision(editor, tee):
    save({"sku": "tee", "values": {"name": value("Tee 3", locale="en_US")}})
    html = editor.get(URL).content.decode()
    assert html.count("Restore this revision") == 1  # not the newest
    created = list(history(tee))[-1]
    response = editor.post(URL + "restore/", {"record": created.pk})
    assert response.status_code == 302
    tee.refresh_from_db()
    assert tee.values["name"]["|en_US"] == "Tee" and tee.version == 3
    response = editor.post(URL + "restore/", {"record": "x"})
    assert response.status_code == 422 and "whole number" in response.content.decode()


def _queries(client) -> int:
    client.get(URL)  # warm the catalog memo
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_attributes(editor, tee):
    few = _queries(editor)
    codes = [f"extra_{n}" for n in range(25)]
    for code in codes:
        attribute(code, type="text", is_localizable=True)
    attributes = [*tee.family.attributes.values_list("code", flat=True), *codes]
    catalog_services.family_save(
        code="shirts", family=tee.family, changes={"attributes": attributes}
    )
    save({"sku": "tee", "values": {c: value("x", locale="en_US") for c in codes}})
    many = _queries(editor)
    assert many == few
    assert many <= 17  # 16 + the Comments section's list
