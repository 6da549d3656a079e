"""The catalog admin: reference data and values are saved through the services, whose errors
show next to the field of their place."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pim.models import (
    AssociationType,
    Attribute,
    AttributeGroup,
    Completeness,
    Family,
    FamilyVariant,
    Product,
    ProductModel,
)
from pim.services.product_models import product_model_save
from pim.services.products import product_upsert_many
from tests.pim.builders import save, value

pytestmark = pytest.mark.usefixtures("catalog")


def form_of(response):
    assert response.status_code == 200, response.content.decode()[:3000]
    return response.context["adminform"].form


def form_data(form) -> dict:
    """What a browser would send for the form as shown: every editable field's current value."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        bound = form[name]
        current = bound.value()
        widget = getattr(field.widget, "widget", field.widget)  # the admin wraps related ones
        if isinstance(widget, forms.MultiWidget):
            for suffix, part in zip(widget.widgets_names, current, strict=True):
                data[bound.html_name + suffix] = "" if part is None else str(part)
        elif isinstance(widget, forms.CheckboxInput):
            if current:
                data[bound.html_name] = "on"
        elif isinstance(widget, forms.NullBooleanSelect):
            data[bound.html_name] = {True: "true", False: "false"}.get(current, "unknown")
        elif isinstance(widget, forms.SelectMultiple):
            data[bound.html_name] = [str(v) for v in current or []]
        else:
            data[bound.html_name] = "" if current is None else str(current)
    return data


def errors_of(response) -> dict:
    return {name: list(errors) for name, errors in form_of(response).errors.items()}


def change_url(product) -> str:
    return f"/admin/pim/product/{product.pk}/change/"


def edit(admin_client, product, **changes):
    """Open the product's change page, change some fields, send it."""
    url = change_url(product)
    data = form_data(form_of(admin_client.get(url)))
    data.update(changes)
    return admin_client.post(url, data)


# --- reference data ----------------------------------------------------------------------


def test_an_attribute_group_is_added_and_changed_through_the_service(admin_client):
    response = admin_client.post(
        "/admin/pim/attributegroup/add/",
        {"code": "marketing", "labels": '{"en_US": " Marketing "}', "sort_order": "3"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    group = AttributeGroup.objects.get(code="marketing")
    assert group.labels == {"en_US": "Marketing"}  # trimmed by the service
    response = admin_client.post(
        f"/admin/pim/attributegroup/{group.pk}/change/",
        {"labels": '{"xx_XX": "Nope"}', "sort_order": "1"},
    )
    assert "Unknown locale xx_XX." in errors_of(response)["labels"]
    group.refresh_from_db()
    assert (group.labels, group.sort_order) == ({"en_US": "Marketing"}, 3)


def test_labels_naming_an_unknown_locale_show_on_the_labels_field(admin_client):
    response = admin_client.post(
        "/admin/pim/attribute/add/",
        attribute_post(code="fit", type="text", labels='{"xx_XX": "Fit"}'),
    )
    assert errors_of(response)["labels"] == ["Unknown locale xx_XX."]
    assert not Attribute.objects.filter(code="fit").exists()


def attribute_post(**fields):
    group = AttributeGroup.objects.get(code="general")
    return {"group": group.pk, "labels": "{}", "sort_order": "0", **fields}


def test_an_attribute_with_an_invalid_regex_shows_it_inline_and_saves_nothing(admin_client):
    response = admin_client.post(
        "/admin/pim/attribute/add/", attribute_post(code="gtin", type="text", regex="[0-9")
    )
    [message] = errors_of(response)["regex"]
    assert message.startswith("Not a valid regular expression")
    assert not Attribute.objects.filter(code="gtin").exists()


def test_a_metric_attribute_needs_units_of_one_dimension(admin_client):
    response = admin_client.post(
        "/admin/pim/attribute/add/",
        attribute_post(code="depth", type="metric", allowed_units="gram, meter"),
    )
    assert errors_of(response)["allowed_units"] == ["All units must measure the same thing."]
    assert not Attribute.objects.filter(code="depth").exists()

    response = admin_client.post(
        "/admin/pim/attribute/add/",
        attribute_post(
            code="depth",
            type="metric",
            allowed_units="millimeter, centimeter",
            default_unit="centimeter",
            decimals_allowed="on",
        ),
    )
    assert response.status_code == 302, errors_of(response)
    depth = Attribute.objects.get(code="depth")
    assert depth.allowed_units == ["millimeter", "centimeter"]
    assert depth.metric_family == "[length]"  # the service derives it from the units


def test_an_attribute_keeps_its_code_and_type_and_changes_its_constraints(admin_client):
    pieces = Attribute.objects.get(code="pieces")
    url = f"/admin/pim/attribute/{pieces.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="type"' not in page
    assert 'name="code"' not in page
    data = form_data(form_of(admin_client.get(url)))
    response = admin_client.post(url, {**data, "min_value": "10", "max_value": "5"})
    assert errors_of(response)["min_value"] == ["The minimum is above the maximum."]
    response = admin_client.post(url, {**data, "max_value": "100", "is_localizable": "on"})
    assert response.status_code == 302, errors_of(response)
    pieces.refresh_from_db()
    assert (pieces.max_value, pieces.is_localizable, pieces.type) == (100, True, "number")


def test_a_family_is_added_with_its_requirements_per_channel(admin_client):
    page = admin_client.get("/admin/pim/family/add/").content.decode()
    assert "Required on ecommerce" in page
    assert "Required on print" in page
    codes = {a.code: a.pk for a in Attribute.objects.all()}
    response = admin_client.post(
        "/admin/pim/family/add/",
        {
            "code": "socks",
            "labels": "{}",
            "attributes": [codes["name"], codes["size"]],
            "label_attribute": codes["name"],
            "required_on_ecommerce": ["name"],
            "required_on_print": ["pieces"],
        },
    )
    assert errors_of(response)["required_on_print"] == [
        "'pieces' is not an attribute of this family."
    ]
    assert not Family.objects.filter(code="socks").exists()

    response = admin_client.post(
        "/admin/pim/family/add/",
        {
            "code": "socks",
            "labels": "{}",
            "attributes": [codes["name"], codes["size"]],
            "label_attribute": codes["name"],
            "required_on_ecommerce": ["name", "size"],
        },
    )
    assert response.status_code == 302, errors_of(response)
    socks = Family.objects.get(code="socks")
    assert sorted(socks.requirements.values_list("channel__code", "attribute__code")) == [
        ("ecommerce", "name"),
        ("ecommerce", "size"),
    ]


def test_a_family_change_shows_its_requirements_and_refuses_a_number_label(admin_client):
    shirts = Family.objects.get(code="shirts")
    url = f"/admin/pim/family/{shirts.pk}/change/"
    form = form_of(admin_client.get(url))
    assert form.initial["required_on_ecommerce"] == ["name", "price", "weight"]
    data = form_data(form)
    pieces = Attribute.objects.get(code="pieces")
    response = admin_client.post(url, {**data, "label_attribute": pieces.pk})
    assert errors_of(response)["label_attribute"] == [
        "The label attribute must be a text attribute."
    ]
    response = admin_client.post(url, {**data, "required_on_print": ["name"]})
    assert response.status_code == 302, errors_of(response)
    assert sorted(
        shirts.requirements.filter(channel__code="print").values_list("attribute__code", flat=True)
    ) == ["name"]


def test_a_family_variant_is_added_with_two_levels(admin_client):
    shirts = Family.objects.get(code="shirts")
    variant = {
        "code": "shirts_by_size_color",
        "family": shirts.pk,
        "labels": "{}",
        "level1_axes": ["name"],
        "level2_axes": ["color"],
        "level2_attributes": ["ean"],
    }
    response = admin_client.post("/admin/pim/familyvariant/add/", variant)
    [message] = errors_of(response)["level1_axes"]
    assert message.startswith("name: an axis is a select, boolean or metric attribute")
    assert not FamilyVariant.objects.filter(code="shirts_by_size_color").exists()

    response = admin_client.post(
        "/admin/pim/familyvariant/add/", {**variant, "level1_axes": ["size"]}
    )
    assert response.status_code == 302, errors_of(response)
    created = FamilyVariant.objects.get(code="shirts_by_size_color")
    levels = {
        level.level: (
            sorted(a.code for a in level.axes.all()),
            sorted(a.code for a in level.attributes.all()),
        )
        for level in created.levels.all()
    }
    assert levels == {1: (["size"], []), 2: (["color"], ["ean"])}


def test_a_family_variant_keeps_its_axes_and_changes_its_attributes(admin_client):
    variant = FamilyVariant.objects.get(code="shirts_by_size")
    url = f"/admin/pim/familyvariant/{variant.pk}/change/"
    form = form_of(admin_client.get(url))
    assert form.fields["level1_axes"].disabled
    assert form.initial["level1_axes"] == ["size"]
    data = form_data(form)
    response = admin_client.post(url, {**data, "level1_attributes": ["ean", "care"]})
    assert response.status_code == 302, errors_of(response)
    level = variant.levels.get()
    assert sorted(a.code for a in level.attributes.all()) == ["care", "ean"]
    assert [a.code for a in level.axes.all()] == ["size"]
    response = admin_client.post(url, {**data, "level1_attributes": ["pieces_nope"]})
    assert "level1_attributes" in errors_of(response)


def test_an_association_type_is_added_and_changed_through_the_service(admin_client):
    response = admin_client.post(
        "/admin/pim/associationtype/add/",
        {"code": "upsell", "labels": '{"en_US": "Upsell"}', "is_two_way": "on"},
    )
    assert response.status_code == 302, errors_of(response)
    upsell = AssociationType.objects.get(code="upsell")
    assert (upsell.is_two_way, upsell.is_quantified) == (True, False)
    response = admin_client.post(
        "/admin/pim/associationtype/add/", {"code": "Bad Code", "labels": "{}"}
    )
    assert "code" in errors_of(response)
    assert AssociationType.objects.count() == 1


@pytest.mark.parametrize(
    "model", ["attributegroup", "attribute", "family", "familyvariant", "associationtype"]
)
def test_reference_data_pages_render(admin_client, model):
    assert admin_client.get(f"/admin/pim/{model}/").status_code == 200
    assert admin_client.get(f"/admin/pim/{model}/add/").status_code == 200
    row = {
        "attributegroup": AttributeGroup,
        "attribute": Attribute,
        "family": Family,
        "familyvariant": FamilyVariant,
    }.get(model)
    if row is not None:
        obj = row.objects.first()
        assert admin_client.get(f"/admin/pim/{model}/{obj.pk}/change/").status_code == 200


# --- products ----------------------------------------------------------------------------


@pytest.fixture
def shirt():
    outcome = save(
        {
            "sku": "tee-1",
            "family": "shirts",
            "values": {
                "name": value("Tee", locale="en_US"),
                "pieces": value(2),
                "weight": value({"amount": "1.5", "unit": "kilogram"}),
                "materials": value(["cotton"]),
            },
        }
    )
    assert outcome.ok, outcome.errors
    return outcome.product


def test_the_change_form_has_a_field_per_scope(admin_client, shirt):
    form = form_of(admin_client.get(change_url(shirt)))
    names = set(form.fields)
    assert {"values-name-en_US", "values-name-fr_FR", "values-name-de_DE"} <= names
    assert {"values-price-ecommerce", "values-price-print"} <= names
    assert {
        "values-description-ecommerce-en_US",
        "values-description-ecommerce-fr_FR",
        "values-description-print-de_DE",
    } <= names
    assert "values-description-print-en_US" not in names  # print publishes de_DE only
    assert {"values-pieces", "values-weight", "values-organic", "values-color"} <= names
    assert form["values-name-en_US"].value() == "Tee"
    assert form["values-weight"].value() == ["1.5", "kilogram"]
    assert form["values-price-ecommerce"].field.widget.labels == ["EUR", "USD"]
    assert isinstance(form.fields["values-organic"].widget, forms.NullBooleanSelect)
    assert form.fields["seen_version"].initial == 1


def test_the_change_page_shows_completeness_and_groups(admin_client, shirt):
    page = admin_client.get(change_url(shirt)).content.decode()
    assert "<td>ecommerce</td><td>en_US</td><td>33%</td><td>price, weight</td>" not in page
    assert "<td>ecommerce</td><td>en_US</td><td>66%</td><td>price</td>" in page
    assert "<td>print</td><td>de_DE</td><td>0%</td><td>description, name</td>" in page
    assert ">general</h2>" in page  # the attribute group's fieldset


def test_deprecated_terms_are_offered_only_where_held(admin_client, shirt):
    form = form_of(admin_client.get(change_url(shirt)))
    choices = [code for code, _ in form.fields["values-color"].widget.choices]
    assert choices == ["", "red", "blue"]  # green is deprecated
    Product.objects.filter(pk=shirt.pk).update(values={**shirt.values, "color": {"|": "green"}})
    form = form_of(admin_client.get(change_url(shirt)))
    labels = dict(form.fields["values-color"].widget.choices)
    assert labels["green"] == "green (deprecated)"


def test_a_valid_edit_saves_normalised_values_and_updates_completeness(admin_client, shirt):
    response = edit(
        admin_client,
        shirt,
        **{
            "values-price-ecommerce_0": "10.50",
            "values-price-ecommerce_1": "",
            "values-weight_0": "750",
            "values-weight_1": "gram",
            "values-name-en_US": "",  # emptied: erased
            "values-description-print-de_DE": "Zeile 1\r\nZeile 2",
            "values-organic": "true",
            "values-release": "2024-05-01",
            "values-color": "blue",
            "values-materials": ["wool", "cotton"],
        },
    )
    assert response.status_code == 302, errors_of(response)
    shirt.refresh_from_db()
    assert shirt.version == 2
    assert shirt.values["price"] == {"ecommerce|": [{"amount": "10.5", "currency": "EUR"}]}
    assert shirt.values["weight"] == {"|": {"amount": "750", "unit": "gram", "base": 0.75}}
    assert "name" not in shirt.values
    assert shirt.values["organic"] == {"|": True}
    assert shirt.values["materials"] == {"|": ["wool", "cotton"]}
    assert shirt.values["pieces"] == {"|": 2}  # untouched
    assert shirt.values["description"] == {"print|de_DE": "Zeile 1\nZeile 2"}
    completeness = {
        (c.channel.code, c.locale.code): (c.ratio, c.missing_codes)
        for c in Completeness.objects.filter(product=shirt).select_related("channel", "locale")
    }
    assert completeness[("ecommerce", "en_US")] == (66, ["name"])


def test_an_invalid_value_shows_the_service_message_next_to_its_field(admin_client, shirt):
    response = edit(
        admin_client,
        shirt,
        **{
            "values-pieces": "0",
            "values-weight_0": "2",
            "values-weight_1": "pound",
            "values-name-fr_FR": "Tee-shirt",
            "values-description-ecommerce-fr_FR": "x",
        },
    )
    errors = errors_of(response)
    assert errors["values-pieces"] == ["0 is below the minimum 1."]
    assert errors["values-weight"] == ["Unit 'pound' is not allowed; use one of gram, kilogram."]
    assert set(errors) == {"values-pieces", "values-weight"}
    page = response.content.decode()
    assert "0 is below the minimum 1." in page
    stored = Product.objects.get(pk=shirt.pk)
    assert (stored.version, stored.values) == (1, shirt.values)  # nothing saved


def test_a_stale_version_is_refused(admin_client, shirt):
    url = change_url(shirt)
    data = form_data(form_of(admin_client.get(url)))
    assert save({"sku": "tee-1", "values": {"pieces": value(3)}}).ok  # someone else saves
    response = admin_client.post(url, {**data, "values-pieces": "4"})
    [message] = errors_of(response)["__all__"]
    assert message == "The product is at version 2, not 1: read it again."
    assert Product.objects.get(pk=shirt.pk).values["pieces"] == {"|": 3}


def test_a_save_refused_after_validation_rolls_back_and_says_why(admin_client, shirt, monkeypatch):
    from pim.forms import EntryRefused, ProductForm

    def refuse(form):
        form.attempt()  # it writes…
        raise EntryRefused("values.pieces: taken meanwhile.")  # …and then a writer wins

    monkeypatch.setattr(ProductForm, "save_entry", refuse)
    response = edit(admin_client, shirt, **{"values-pieces": "7"})
    assert response.status_code == 302
    assert response["Location"] == change_url(shirt)
    page = admin_client.get(response["Location"]).content.decode()
    assert "Not saved: values.pieces: taken meanwhile." in page
    assert Product.objects.get(pk=shirt.pk).values["pieces"] == {"|": 2}


def test_a_reader_sees_the_values_without_inputs(client, django_user_model, shirt):
    from django.contrib.auth.models import Permission

    reader = django_user_model.objects.create_user("reader", password="x", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(reader)
    page = client.get(change_url(shirt)).content.decode()
    assert 'name="values-pieces"' not in page
    assert "<tr><td>weight</td><td></td><td></td><td>1.5 kilogram</td></tr>" in page
    assert "<tr><td>name</td><td></td><td>en_US</td><td>Tee</td></tr>" in page


def test_enabled_and_categories_are_saved_with_the_values(admin_client, shirt):
    from governance import services as governance

    tops = governance.category_create(code="tops", parent=None)
    response = edit(admin_client, shirt, is_enabled="", categories=[str(tops.pk)])
    assert response.status_code == 302, errors_of(response)
    shirt.refresh_from_db()
    assert shirt.is_enabled is False
    assert [c.code for c in shirt.categories.all()] == ["tops"]


def test_adding_a_product_takes_two_steps(admin_client):
    page = admin_client.get("/admin/pim/product/add/")
    assert page.status_code == 200
    assert b"Step 1 of 2" in page.content
    taken = admin_client.get("/admin/pim/product/add/", {"sku": "", "family": "nope"})
    assert b"This field is required" in taken.content

    url = "/admin/pim/product/add/?sku=mug-1&family=mugs"
    form = form_of(admin_client.get(url))
    assert {"values-name-en_US", "values-pieces"} <= set(form.fields)
    assert "values-weight" not in form.fields  # not an attribute of mugs
    response = admin_client.post(url, {**form_data(form), "values-pieces": "0"})
    assert errors_of(response)["values-pieces"] == ["0 is below the minimum 1."]
    assert not Product.objects.exists()

    data = {**form_data(form), "values-pieces": "6", "values-name-en_US": "Mug"}
    response = admin_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    mug = Product.objects.get()
    assert (mug.sku, mug.family.code, mug.is_enabled) == ("mug-1", "mugs", True)
    assert mug.values == {"pieces": {"|": 6}, "name": {"|en_US": "Mug"}}

    again = admin_client.get("/admin/pim/product/add/", {"sku": "MUG-1", "family": "mugs"})
    assert b"Product mug-1 already exists." in again.content


@pytest.fixture
def oxford():
    root = product_model_save(
        data={
            "code": "oxford",
            "family_variant": "shirts_by_color_size",
            "values": {"name": value("Oxford", locale="en_US"), "organic": value(True)},
        }
    )
    red = product_model_save(
        data={
            "code": "oxford_red",
            "family_variant": "shirts_by_color_size",
            "parent": "oxford",
            "values": {"color": value("red"), "care": value("<b>Cold</b>", locale="en_US")},
        }
    )
    return root, red


def test_a_variant_product_edits_its_level_and_shows_inherited_values(admin_client, oxford):
    start = admin_client.get("/admin/pim/product/add/", {"sku": "ox-m", "parent": "oxford"})
    assert b"is not the last level" in start.content

    url = "/admin/pim/product/add/?sku=ox-m&parent=oxford_red"
    form = form_of(admin_client.get(url))
    assert not form.fields["values-size"].disabled
    assert form.fields["values-color"].disabled
    assert form["values-color"].value() == "red"
    assert form.fields["values-name-en_US"].disabled
    assert "product model oxford:" in form.fields["values-name-en_US"].help_text
    response = admin_client.post(url, form_data(form))
    assert errors_of(response)["values-size"] == ["size is a variant axis: give it a value."]

    response = admin_client.post(url, {**form_data(form), "values-size": "m"})
    assert response.status_code == 302, errors_of(response)
    variant = Product.objects.get(sku="ox-m")
    assert (variant.family.code, variant.parent.code, variant.values) == (
        "shirts",
        "oxford_red",
        {"size": {"|": "m"}},
    )
    page = admin_client.get(change_url(variant))
    assert form_of(page).fields["values-organic"].disabled


def test_the_changelist_query_count_does_not_grow_with_products(admin_client):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/admin/pim/product/")
        assert response.status_code == 200
        return len(queries)

    product_upsert_many(
        items=[
            {"sku": f"p{i}", "family": "shirts", "values": {"name": value("T", locale="en_US")}}
            for i in range(5)
        ]
    )
    few = count_queries()
    product_upsert_many(
        items=[{"sku": f"q{i}", "family": "mugs"} for i in range(45)]
        + [{"sku": "oxless", "family": "shirts"}]
    )
    assert Product.objects.count() == 51
    assert count_queries() == few
    page = admin_client.get("/admin/pim/product/").content.decode()
    assert 'title="en_US 33%, fr_FR 0%">ecommerce 0–33%</span>' in page


# --- product models ----------------------------------------------------------------------


def test_a_product_model_is_added_in_two_steps_and_edits_its_level(admin_client, oxford):
    url = "/admin/pim/productmodel/add/?code=oxford_blue&family_variant=shirts_by_color_size&parent=oxford"
    form = form_of(admin_client.get(url))
    assert {"values-color", "values-care-en_US"} <= set(form.fields)
    assert form.fields["values-organic"].disabled
    response = admin_client.post(url, {**form_data(form), "values-color": "green"})
    assert (
        "'green' is deprecated and cannot be chosen any more."
        in (errors_of(response)["values-color"])
    )
    response = admin_client.post(url, {**form_data(form), "values-color": "blue"})
    assert response.status_code == 302, errors_of(response)
    blue = ProductModel.objects.get(code="oxford_blue")
    assert (blue.parent.code, blue.values) == ("oxford", {"color": {"|": "blue"}})

    root = oxford[0]
    change = f"/admin/pim/productmodel/{root.pk}/change/"
    data = form_data(form_of(admin_client.get(change)))
    response = admin_client.post(change, {**data, "values-name-fr_FR": "Oxford FR"})
    assert response.status_code == 302, errors_of(response)
    root.refresh_from_db()
    assert root.values["name"] == {"|en_US": "Oxford", "|fr_FR": "Oxford FR"}
    assert root.version == 2
    response = admin_client.post(change, {**data, "values-name-fr_FR": "Again"})
    assert errors_of(response)["__all__"] == [
        "The product model is at version 2, not 1: read it again."
    ]


def test_product_pages_render(admin_client, oxford, shirt):
    for url in ("/admin/pim/productmodel/", "/admin/pim/productmodel/add/"):
        assert admin_client.get(url).status_code == 200
    for model in oxford:
        assert admin_client.get(f"/admin/pim/productmodel/{model.pk}/change/").status_code == 200


def test_products_filter_and_sort_by_completeness_in_the_admin(admin_client, catalog):
    from tests.pim.builders import save, value

    full = {  # every requirement of every channel × locale
        "name": [
            *value("Tee", locale="en_US"),
            *value("Tee", locale="fr_FR"),
            *value("T", locale="de_DE"),
        ],
        "description": value("Soft.", "print", "de_DE"),
        "price": value([{"amount": 1, "currency": "EUR"}], "ecommerce"),
        "weight": value({"amount": 1, "unit": "gram"}),
    }
    save({"sku": "complete", "family": "shirts", "values": full})
    save({"sku": "partial", "family": "shirts", "values": {"name": value("Tee", locale="en_US")}})
    page = admin_client.get(
        "/admin/pim/product/?completeness=complete:ecommerce:en_US"
    ).content.decode()
    assert ">complete<" in page and ">partial<" not in page
    page = admin_client.get(
        "/admin/pim/product/?completeness=incomplete:ecommerce:en_US"
    ).content.decode()
    assert ">partial<" in page and ">complete<" not in page
    column = 6  # sku, family, parent, enabled, updated_at, completeness
    page = admin_client.get(f"/admin/pim/product/?o=-{column}").content.decode()
    assert page.index(">complete<") < page.index(">partial<")
