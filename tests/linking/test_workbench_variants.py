"""The editor's variants: the missing axis combinations of a variant's model, created in one go
through the product service; the combinations already taken are not offered."""

import pytest
from django.contrib.auth.models import Group

from governance import roles
from pim.models import Product
from tests.governance.factories import UserFactory
from tests.linking.builders import linked_catalog as build_linked_catalog

pytestmark = pytest.mark.django_db

URL = "/products/oxford-red-m/"


@pytest.fixture
def shirts(catalog, local_storage):
    """oxford_red (colour red) has oxford-red-m and oxford-red-l; size s is missing."""
    return build_linked_catalog()


def person(client, role):
    user = UserFactory(username=role.lower().replace(" ", "_"))
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def test_the_missing_sizes_are_offered_and_created_as_variants_of_the_model(client, shirts):
    person(client, roles.PRODUCT_EDITOR)
    page = client.get(URL).content.decode()
    assert "Missing variants" in page and 'value="s"' in page
    assert 'name="combination" value="m"' not in page  # taken by oxford-red-m
    response = client.post(
        "/products/oxford-red-m/variants/", {"combination": ["s"], "sku-s": "oxford-red-small"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#variants")
    created = Product.objects.get(sku="oxford-red-small")
    assert created.parent.code == "oxford_red" and created.values["size"] == {"|": "s"}
    assert list(created.categories.values_list("code", flat=True)) == ["shirts_cat"]
    page = client.get(response["Location"]).content.decode()
    assert "Created oxford-red-small." in page and "Missing variants" not in page


def test_a_taken_or_unknown_combination_is_not_created(client, shirts):
    person(client, roles.PRODUCT_EDITOR)
    client.post("/products/oxford-red-m/variants/", {"combination": ["m", "xxl"], "sku-m": "dup"})
    assert not Product.objects.filter(sku__in=["dup", "oxford-red-xxl"]).exists()


def test_a_refused_variant_says_why(client, shirts):
    person(client, roles.PRODUCT_EDITOR)
    response = client.post(
        "/products/oxford-red-m/variants/",
        {"combination": ["s"], "sku-s": "plain-tee"},  # a SKU that exists
        follow=True,
    )
    assert "plain-tee was not created" in response.content.decode()
    assert Product.objects.filter(sku="plain-tee", parent__isnull=True).exists()


def test_a_viewer_sees_the_missing_variants_without_a_form_and_cannot_create(client, shirts):
    person(client, roles.VIEWER)
    page = client.get(URL).content.decode()
    assert "Missing variants" in page and 'name="combination"' not in page
    response = client.post("/products/oxford-red-m/variants/", {"combination": ["s"]})
    assert response.status_code == 403
    assert not Product.objects.filter(parent__code="oxford_red", values__size={"|": "s"}).exists()
