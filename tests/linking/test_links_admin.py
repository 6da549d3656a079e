"""The links admin saves through the services (validation inline, audit, events) and lists
links searchable by SKU and asset code; tagged attributes are managed there too."""

import pytest

from governance.models import AuditRecord, Event
from linking.models import ProductAssetLink, TaggedAttribute
from linking.services.links import link_add
from pim.models import Attribute

pytestmark = pytest.mark.django_db


def test_adding_a_link_in_the_admin_goes_through_the_service(linked_catalog, admin_client):
    c = linked_catalog
    link_add(asset=c.assets["back"], product=c.variant, role="detail")
    form = {"product": c.variant.pk, "asset": c.assets["hero"].pk, "role": "detail"}
    response = admin_client.post("/admin/linking/productassetlink/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    link = ProductAssetLink.objects.get(asset=c.assets["hero"])
    assert link.position == 1  # appended after the existing detail link
    assert (
        Event.objects.filter(name="linking.links.changed", object_ref="oxford-red-m").count() == 2
    )
    assert AuditRecord.objects.filter(object_id=c.variant.pk, changes__has_key="links.detail")
    page = admin_client.get("/admin/linking/productassetlink/", {"q": "oxford-red"}).content
    assert b"oxford-red-m" in page


def test_the_admin_shows_the_services_refusal_inline(linked_catalog, admin_client):
    c = linked_catalog
    form = {
        "product": c.variant.pk,
        "product_model": c.model.pk,
        "asset": c.assets["hero"].pk,
        "role": "hero",
    }
    response = admin_client.post("/admin/linking/productassetlink/add/", form)
    assert response.status_code == 200
    assert "exactly one product or product model" in response.content.decode()
    assert not ProductAssetLink.objects.exists()


def test_tagged_attributes_are_added_in_the_admin(linked_catalog, admin_client):
    color = Attribute.objects.get(code="color")
    response = admin_client.post("/admin/linking/taggedattribute/add/", {"attribute": color.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TaggedAttribute.objects.get().attribute == color
