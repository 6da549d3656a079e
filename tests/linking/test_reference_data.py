"""Reference data import/export (issue #8): the catalog's structure as YAML or CSV, round trip
into an empty database, idempotent re-import, dry run, each rejection, the API and commands."""

import io

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from dam import rendering
from dam.models import RenditionProfile
from governance import roles
from governance import services as governance
from governance.audit import history
from governance.models import AuditRecord, Category, Channel, Currency, Locale, Term, Vocabulary
from linking.models import NamingRule
from linking.services import naming
from linking.services import reference_bundle as bundle
from pim.models import Attribute, AttributeGroup, Family, FamilyVariant
from pim.services import catalog as catalog_services
from tests.governance.factories import UserFactory

URL = "/api/v1/reference-data"


@pytest.fixture
def structure(catalog):
    """pim's catalog plus what it lacks: labels, category trees (one governed), a channel's
    tree, a governed vocabulary, a rendition profile and a naming rule."""
    governance.code_entry_update(
        entry=Locale.objects.get(code="en_US"), changes={"label": "English"}
    )
    master = governance.category_create(code="master", labels={"en_US": "Master"})
    apparel = governance.category_create(code="apparel", parent="master")
    governance.category_create(code="shirts_cat", parent="apparel", labels={"fr_FR": "=Chemises"})
    governance.category_create(code="brands", labels={"en_US": "Brands"})
    governance.category_create(code="acme", parent="brands")
    Category.objects.filter(code="brands").update(is_governed=True)
    governance.channel_update(
        channel=Channel.objects.get(code="ecommerce"), changes={}, category_tree=master.code
    )
    styles = governance.vocabulary_create(code="styles", labels={"en_US": "Styles"})
    governance.term_create(vocabulary=styles, code="casual", labels={"en_US": "Casual"})
    governance.term_create(vocabulary=styles, code="formal", sort_order=1, is_deprecated=True)
    Vocabulary.objects.filter(pk=styles.pk).update(is_governed=True)
    catalog_services.attribute_group_save(
        code="marketing", changes={"labels": {"en_US": "Marketing", "fr_FR": "-Marketing"}}
    )
    catalog_services.attribute_save(
        code="style", changes={"type": "select", "vocabulary": "styles", "group": "marketing"}
    )
    rendering.rendition_profile_save(
        code="thumb",
        changes={"width": 200, "height": 200, "format": "webp", "channel": "ecommerce"},
    )
    naming.naming_rule_save(
        changes={"code": "sku_role", "pattern": "{sku}_{role}.{ext}", "priority": 10}
    )
    del apparel
    return bundle.reference_bundle_export()


def wipe():
    """An empty database, as far as reference data goes (in the order nothing protects)."""
    NamingRule.objects.all().delete()
    RenditionProfile.objects.all().delete()
    FamilyVariant.objects.all().delete()
    Family.objects.all().delete()
    Attribute.objects.all().delete()
    AttributeGroup.objects.all().delete()
    Channel.objects.all().delete()
    Category.objects.all().delete()
    Term.objects.all().delete()
    Vocabulary.objects.all().delete()
    Locale.objects.all().delete()
    Currency.objects.all().delete()


def counts() -> dict:
    models = (Locale, Currency, Vocabulary, Term, Category, Channel, AttributeGroup, Attribute)
    models += (Family, FamilyVariant, RenditionProfile, NamingRule)
    return {model.__name__: model.objects.count() for model in models}


def test_export_holds_every_kind_in_its_documented_shape(structure):
    assert [k for k in structure if k != bundle.VERSION_KEY] == [
        k for k in bundle.KINDS if k != "terms"
    ]
    styles = next(v for v in structure["vocabularies"] if v["code"] == "styles")
    assert styles == {
        "code": "styles",
        "labels": {"en_US": "Styles"},
        "is_governed": True,
        "terms": [
            {
                "code": "casual",
                "labels": {"en_US": "Casual"},
                "sort_order": 0,
                "is_deprecated": False,
            },
            {"code": "formal", "labels": {}, "sort_order": 1, "is_deprecated": True},
        ],
    }
    shirts = next(f for f in structure["families"] if f["code"] == "shirts")
    assert shirts["requirements"] == {
        "ecommerce": ["name", "price", "weight"],
        "print": ["description", "name"],
    }
    variant = next(v for v in structure["family_variants"] if v["code"] == "shirts_by_color_size")
    assert variant["levels"] == [
        {"axes": ["color"], "attributes": ["care"]},
        {"axes": ["size"], "attributes": ["ean", "price", "weight"]},
    ]
    channel = next(c for c in structure["channels"] if c["code"] == "ecommerce")
    assert channel["category_tree"] == "master"
    assert channel["locales"] == ["en_US", "fr_FR"]
    pieces = next(a for a in structure["attributes"] if a["code"] == "pieces")
    assert (pieces["min_value"], pieces["max_value"]) == ("1", "500")
    release = next(a for a in structure["attributes"] if a["code"] == "release")
    assert release["date_min"] == "2000-01-01"


def test_yaml_round_trip_into_an_empty_database_is_identical(structure):
    text = bundle.document_dump(structure, format="yaml")
    wipe()
    assert set(counts().values()) == {0}
    report = bundle.reference_bundle_import(yaml.safe_load(text))
    assert report["errors"] == []
    assert report["applied"] is True
    assert bundle.reference_bundle_export() == structure
    assert Vocabulary.objects.get(code="styles").is_governed
    assert Category.objects.get(code="brands").is_governed


def test_json_round_trip(structure):
    body = bundle.document_dump(structure, format="json")
    wipe()
    report = bundle.reference_bundle_import(bundle.document_load(body, format="json"))
    assert report["errors"] == []
    assert bundle.reference_bundle_export() == structure


def test_csv_round_trip_of_every_kind(structure):
    files = {kind: "".join(bundle.kind_csv_lines(kind)) for kind in bundle.KINDS}
    assert files["attribute_groups"].splitlines() == [
        "code,label-de_DE,label-en_US,label-fr_FR,sort_order",
        "general,,,,0",
        "marketing,,Marketing,'-Marketing,0",  # neutralised, and read back as it was
    ]
    assert files["families"].splitlines()[0] == (
        "code,label-de_DE,label-en_US,label-fr_FR,attributes,label_attribute,"
        "requirements-ecommerce,requirements-print"
    )
    assert files["family_variants"].splitlines()[1:] == [
        'shirts_by_color_size,shirts,,,,color,care,size,"ean,price,weight"',
        'shirts_by_size,shirts,,,,size,"ean,weight",,',
    ]
    assert files["channels"].splitlines()[1] == 'ecommerce,,"en_US,fr_FR","EUR,USD",master,100'
    wipe()
    data = {
        kind: bundle.kind_csv_items(kind, io.BytesIO(text.encode("utf-8-sig")))
        for kind, text in files.items()
    }
    report = bundle.reference_bundle_import(data)
    assert report["errors"] == []
    assert bundle.reference_bundle_export() == structure
    assert {kind: "".join(bundle.kind_csv_lines(kind)) for kind in bundle.KINDS} == files


def test_reimport_changes_nothing(structure):
    before = (counts(), AuditRecord.objects.count())
    report = bundle.reference_bundle_import(structure)
    assert report["errors"] == []
    for kind, result in report["kinds"].items():
        assert result["created"] == result["updated"] == 0, kind
        assert result["unchanged"] == len(result["items"]) > 0, kind
    assert (counts(), AuditRecord.objects.count()) == before
    assert bundle.reference_bundle_export() == structure


def test_an_import_creates_and_updates_but_never_deletes(structure):
    report = bundle.reference_bundle_import(
        {
            "attribute_groups": [{"code": "marketing", "labels": {"en_US": "Promotion"}}],
            "attributes": [{"code": "subtitle", "type": "text", "group": "marketing"}],
        }
    )
    assert report["kinds"]["attribute_groups"]["updated"] == 1
    assert report["kinds"]["attributes"]["created"] == 1
    group = AttributeGroup.objects.get(code="marketing")
    assert group.labels == {"en_US": "Promotion"}  # the file's labels are the labels
    assert Attribute.objects.filter(code="style").exists()  # not in the file: kept
    assert Family.objects.count() == 2


def test_dry_run_writes_nothing(structure):
    wipe()
    before = (counts(), AuditRecord.objects.count())
    report = bundle.reference_bundle_import(structure, dry_run=True)
    assert report["errors"] == [] and report["dry_run"] is True and report["applied"] is False
    assert report["kinds"]["family_variants"]["created"] == 2  # later kinds saw earlier ones
    assert report["kinds"]["terms"]["created"] == sum(
        len(v["terms"]) for v in structure["vocabularies"]
    )
    assert (counts(), AuditRecord.objects.count()) == before


def _errors(report, kind):
    return [(e["item"], e["field"], e["code"]) for e in report["errors"] if e["kind"] == kind]


def test_one_refused_item_and_nothing_is_written(structure):
    before = counts()
    report = bundle.reference_bundle_import(
        {
            "attribute_groups": [{"code": "new_group"}],
            "attributes": [
                {"code": "fine", "type": "text", "group": "new_group"},
                {"code": "odd", "type": "hologram", "group": "general"},
            ],
            "families": [
                {"code": "bags", "attributes": ["name"], "requirements": {"print": ["nope"]}},
                {"code": "hats", "attributes": ["name", "missing"]},
            ],
        }
    )
    assert report["applied"] is False
    assert _errors(report, "attributes") == [("odd", "type", "invalid_choice")]
    assert set(_errors(report, "families")) == {
        ("bags", "requirements.print", "not_in_family"),
        ("hats", "attributes", "unknown"),
    }
    assert report["kinds"]["attributes"]["created"] == 1  # would have been
    assert report["kinds"]["attributes"]["errors"] == 1
    item = next(i for i in report["kinds"]["attributes"]["items"] if i["code"] == "odd")
    assert item["status"] == "error" and item["errors"][0]["message"]
    assert counts() == before
    assert not AttributeGroup.objects.filter(code="new_group").exists()


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"attributes": [{"code": "x", "sort_order": "first"}]},
            ("x", "sort_order", "invalid_type"),
        ),
        ({"attributes": [{"code": "x", "colour": "red"}]}, ("x", "colour", "unknown_field")),
        ({"attributes": [{"type": "text"}]}, ("[0]", "code", "required")),
        ({"attributes": ["x"]}, ("[0]", None, "invalid_type")),
        ({"attributes": {"code": "x"}}, (None, None, "invalid_type")),
        ({"families": [{"code": "f", "labels": ["en"]}]}, ("f", "labels", "invalid_type")),
        (
            {
                "channels": [
                    {"code": "c", "locales": ["en_US"]},
                    {"code": "c", "locales": ["en_US"]},
                ]
            },
            ("c", "code", "duplicate"),
        ),
        ({"terms": [{"vocabulary": "nope", "code": "t"}]}, ("nope/t", "vocabulary", "unknown")),
        (
            {"terms": [{"vocabulary": "styles", "code": "smart"}]},
            ("styles/smart", None, "governed"),
        ),
        (
            {
                "family_variants": [
                    {"code": "v", "family": "shirts", "levels": [{"axes": ["name"]}]}
                ]
            },
            ("v", "levels[0].axes", "invalid_axis"),
        ),
        (
            {"rendition_profiles": [{"code": "p", "format": "gif"}]},
            ("p", "format", "invalid_choice"),
        ),
        ({"naming_rules": [{"code": "r", "pattern": "{nothing}"}]}, ("r", "pattern", None)),
    ],
)
def test_each_invalid_item_is_named(structure, document, expected):
    report = bundle.reference_bundle_import(document)
    [kind] = document
    found = _errors(report, kind)
    assert found, report
    item, field, code = found[0]
    assert (item, field) == expected[:2]
    if expected[2]:
        assert code == expected[2]


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ([1, 2], "invalid_document"),
        ({"gadgets": []}, "unknown_kind"),
        ({}, "empty"),
        ({bundle.VERSION_KEY: 99, "attributes": []}, "unsupported_version"),
    ],
)
def test_documents_of_the_wrong_shape_are_refused(db, document, code):
    with pytest.raises(bundle.ReferenceDataError) as refused:
        bundle.reference_bundle_import(document)
    assert refused.value.code == code


def test_malformed_yaml_and_csv_are_refused(db):
    with pytest.raises(bundle.ReferenceDataError) as refused:
        bundle.document_load(b"attributes: [unclosed", format="yaml")
    assert refused.value.code == "malformed" and "YAML" in str(refused.value)
    with pytest.raises(bundle.ReferenceDataError) as refused:
        bundle.kind_csv_items("attributes", io.BytesIO(b"code,colour\nx,red\n"))
    assert refused.value.errors[0]["field"] == "colour"
    assert refused.value.errors[0]["code"] == "unknown_column"
    with pytest.raises(bundle.ReferenceDataError) as refused:
        bundle.kind_csv_items("attributes", io.BytesIO(b"code,type\nx,text,extra\n"))
    assert "Row 2 has 3 cells" in str(refused.value)
    with pytest.raises(bundle.ReferenceDataError) as refused:
        bundle.kind_csv_items("attributes", io.BytesIO("code\né\n".encode("latin-1")))
    assert refused.value.code == "malformed"


def test_yaml_tags_are_never_objects(db):
    with pytest.raises(bundle.ReferenceDataError):
        bundle.document_load(b"!!python/object/apply:os.system ['true']", format="yaml")


# -- API ------------------------------------------------------------------------------------


def _client(api_client, role=None, permissions=()):
    user = UserFactory(permissions=list(permissions))
    if role:
        user.groups.add(Group.objects.get(name=role))
    api_client.force_authenticate(user)
    return api_client


def test_api_exports_yaml_json_and_csv(structure, api_client):
    client = _client(api_client, roles.VIEWER)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(response.content) == structure
    response = client.get(URL, {"format": "json", "kinds": "channels,attributes"})
    assert response.status_code == 200
    assert set(response.json()) == {bundle.VERSION_KEY, "channels", "attributes"}
    response = client.get(URL + "/channels.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert b"".join(response.streaming_content).startswith(b"code,label,locales")


def test_api_export_refusals(structure, api_client):
    client = _client(api_client, permissions=["pim.view_attribute"])
    assert client.get(URL, {"kinds": "attributes"}).status_code == 200
    response = client.get(URL, {"kinds": "attributes,families"})
    assert response.status_code == 403
    assert "pim.view_family" in response.json()["detail"]
    response = client.get(URL, {"kinds": "gadgets"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "unknown_kind"
    assert client.get(URL, {"format": "xml"}).status_code == 422
    assert client.get(URL + "/gadgets.csv").status_code == 404
    client = _client(api_client, permissions=["governance.view_vocabulary"])
    response = client.get(URL, {"kinds": "vocabularies"})
    assert response.status_code == 403
    assert "governance.view_term" in response.json()["detail"]


def test_api_import_yaml_dry_run_then_for_real(structure, api_client):
    client = _client(api_client, roles.METADATA_MANAGER)
    body = yaml.safe_dump({"attribute_groups": [{"code": "seo", "labels": {"en_US": "SEO"}}]})
    response = client.post(URL + "?dry_run=true", body, content_type="application/yaml")
    assert response.status_code == 200, response.content
    assert response.json()["kinds"]["attribute_groups"]["created"] == 1
    assert not AttributeGroup.objects.filter(code="seo").exists()
    response = client.post(URL, body, content_type="application/yaml")
    assert response.status_code == 200
    assert response.json()["applied"] is True
    assert AttributeGroup.objects.get(code="seo").labels == {"en_US": "SEO"}
    response = client.post(URL, body, content_type="application/yaml")
    assert response.json()["kinds"]["attribute_groups"]["unchanged"] == 1


def test_api_import_csv_file(structure, api_client):
    client = _client(api_client, roles.METADATA_MANAGER)
    upload = io.BytesIO(b"code,type,group,label-en_US\nsubtitle,text,general,Subtitle\n")
    upload.name = "attributes.csv"
    response = client.post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert Attribute.objects.get(code="subtitle").labels == {"en_US": "Subtitle"}
    upload = io.BytesIO(b"code,label-en_US\nseo,SEO\n")
    upload.name = "upload.csv"
    response = client.post(URL, {"file": upload, "kind": "attribute_groups"}, format="multipart")
    assert response.status_code == 200
    assert AttributeGroup.objects.filter(code="seo").exists()


def test_api_import_csv_refusals(structure, api_client):
    client = _client(api_client, roles.METADATA_MANAGER)
    response = client.post(URL, {"kind": "attributes"}, format="multipart")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "required"
    upload = io.BytesIO(b"code\nx\n")
    upload.name = "gadgets.csv"
    response = client.post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "kind": "gadgets",
        "item": None,
        "field": None,
        "code": "unknown_kind",
        "message": response.json()["errors"][0]["message"],
    }
    upload = io.BytesIO(b"code,colour\nx,red\n")
    upload.name = "attributes.csv"
    response = client.post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "colour"


def test_api_import_answers_422_with_each_item_error(structure, api_client):
    client = _client(api_client, roles.METADATA_MANAGER)
    document = {
        "attributes": [
            {"code": "odd", "type": "hologram", "group": "general"},
            {"code": "fine", "type": "text", "group": "general"},
        ]
    }
    response = client.post(URL, document, format="json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["errors"] == [
        {
            "kind": "attributes",
            "item": "odd",
            "field": "type",
            "code": "invalid_choice",
            "message": body["errors"][0]["message"],
        }
    ]
    assert body["report"]["kinds"]["attributes"]["created"] == 1
    assert not Attribute.objects.filter(code="fine").exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("attributes: [unclosed", "application/yaml", 400, "malformed"),
        ("{", "application/json", 400, "malformed"),
        ("gadgets: []", "application/yaml", 422, "unknown-kind"),
        ("- 1", "application/yaml", 422, "invalid-document"),
        ("code,type", "text/csv", 415, "unsupported-media-type"),
    ],
)
def test_api_import_refuses_what_it_cannot_read(
    structure, api_client, body, content_type, status, code
):
    client = _client(api_client, roles.METADATA_MANAGER)
    response = client.post(URL, body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["type"].endswith(code)


def test_api_import_refuses_a_too_large_file(structure, api_client, monkeypatch):
    monkeypatch.setattr(bundle, "MAX_BYTES", 64)
    client = _client(api_client, roles.METADATA_MANAGER)
    body = yaml.safe_dump({"attribute_groups": [{"code": f"g{n}"} for n in range(20)]})
    response = client.post(URL, body, content_type="application/yaml")
    assert response.status_code == 413
    upload = io.BytesIO(("code\n" + "g\n" * 100).encode())
    upload.name = "attribute_groups.csv"
    response = client.post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 413


def test_api_import_needs_add_and_change_of_every_kind_in_the_file(structure, api_client):
    client = _client(api_client, roles.METADATA_MANAGER)
    document = {"attribute_groups": [{"code": "x"}], "naming_rules": []}
    response = client.post(URL, document, format="json")
    assert response.status_code == 403
    assert "linking.add_namingrule" in response.json()["detail"]
    assert not AttributeGroup.objects.filter(code="x").exists()
    viewer = _client(api_client, roles.VIEWER)
    assert viewer.post(URL, {"attribute_groups": []}, format="json").status_code == 403


# -- Management commands --------------------------------------------------------------------


def test_commands_export_and_import_yaml(structure, tmp_path, capsys):
    path = tmp_path / "reference.yaml"
    call_command("reference_export", "--output", str(path))
    assert yaml.safe_load(path.read_text()) == structure
    call_command("reference_export", "--kinds", "channels")
    assert set(yaml.safe_load(capsys.readouterr().out)) == {bundle.VERSION_KEY, "channels"}
    wipe()
    call_command("reference_import", str(path), "--dry-run")
    assert "Dry run: nothing written." in capsys.readouterr().out
    assert Attribute.objects.count() == 0
    call_command("reference_import", str(path))
    assert "attributes: 14 created" in capsys.readouterr().out
    assert bundle.reference_bundle_export() == structure


def test_commands_export_and_import_csv(structure, tmp_path, capsys):
    call_command("reference_export", "--format", "csv", "--output", str(tmp_path))
    files = sorted(tmp_path.glob("*.csv"))
    assert {f.stem for f in files} == set(bundle.KINDS) - {"terms"}
    call_command(
        "reference_export", "--format", "csv", "--kinds", "terms", "--output", str(tmp_path)
    )
    wipe()
    call_command("reference_import", *[str(f) for f in tmp_path.glob("*.csv")])
    assert bundle.reference_bundle_export() == structure


def test_import_command_reports_errors_and_writes_nothing(structure, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"attributes": [{"code": "odd", "type": "hologram"}]}))
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("reference_import", str(path))
    assert "attributes/odd/type: [invalid_choice]" in capsys.readouterr().err
    path.write_text("gadgets: []")
    with pytest.raises(CommandError, match="Unknown kind"):
        call_command("reference_import", str(path))


def test_a_file_in_any_order_puts_parents_first_and_moves_categories(structure):
    report = bundle.reference_bundle_import(
        {
            "categories": [
                {"code": "polos", "parent": "tops"},
                {"code": "tops", "parent": "apparel"},
                {"code": "acme", "parent": "master"},  # moves out of the governed tree: refused
                {"code": "shirts_cat", "parent": "master"},  # moves
            ]
        }
    )
    assert _errors(report, "categories") == [("acme", None, "governed")]
    report = bundle.reference_bundle_import(
        {
            "categories": [
                {"code": "polos", "parent": "tops"},
                {"code": "tops", "parent": "apparel"},
                {"code": "shirts_cat", "parent": "master"},
            ]
        }
    )
    assert report["errors"] == []
    assert {i["code"]: i["status"] for i in report["kinds"]["categories"]["items"]} == {
        "polos": "created",
        "tops": "created",
        "shirts_cat": "updated",
    }
    parents = {
        c["code"]: c["parent"] for c in bundle.reference_bundle_export(["categories"])["categories"]
    }
    assert (parents["polos"], parents["tops"], parents["shirts_cat"]) == (
        "tops",
        "apparel",
        "master",
    )


def test_a_vocabulary_made_governed_by_the_file_gets_its_new_terms_first(structure):
    report = bundle.reference_bundle_import(
        {"vocabularies": [{"code": "sizes", "is_governed": True, "terms": [{"code": "xl"}]}]}
    )
    assert report["errors"] == []
    assert report["kinds"]["vocabularies"]["updated"] == 1
    assert report["kinds"]["terms"]["created"] == 1
    assert Vocabulary.objects.get(code="sizes").is_governed
    # Governed now: its terms change through change requests only.
    report = bundle.reference_bundle_import(
        {"vocabularies": [{"code": "sizes", "terms": [{"code": "xxl"}]}]}
    )
    assert _errors(report, "terms") == [("sizes/xxl", None, "governed")]


def test_changes_the_services_refuse_on_existing_items(structure):
    report = bundle.reference_bundle_import(
        {
            "attributes": [{"code": "name", "type": "number"}],
            "family_variants": [
                {"code": "shirts_by_size", "levels": [{"axes": ["color"], "attributes": []}]}
            ],
        }
    )
    assert _errors(report, "attributes") == [("name", "type", "read_only")]
    assert ("shirts_by_size", "levels[0].axes", "read_only") in _errors(report, "family_variants")


def test_updates_go_through_the_services(structure):
    mugs_history = history(Family.objects.get(code="mugs")).count()
    report = bundle.reference_bundle_import(
        {
            "families": [{"code": "mugs", "requirements": {"print": ["name"]}}],
            "channels": [{"code": "print", "locales": ["de_DE", "fr_FR"]}],
            "terms": [{"vocabulary": "colors", "code": "green", "is_deprecated": False}],
        }
    )
    assert report["errors"] == []
    assert {k: v["updated"] for k, v in report["kinds"].items()} == {
        "terms": 1,
        "channels": 1,
        "families": 1,
    }
    mugs = next(
        f for f in bundle.reference_bundle_export(["families"])["families"] if f["code"] == "mugs"
    )
    assert mugs["requirements"] == {"print": ["name"]}
    assert not Term.objects.get(code="green").is_deprecated
    assert history(Family.objects.get(code="mugs")).count() == mugs_history + 1  # audited


def test_empty_kinds_and_wrong_nested_types(structure):
    assert bundle.reference_bundle_import({"attributes": None})["errors"] == []
    report = bundle.reference_bundle_import({"vocabularies": [{"code": "sizes", "terms": "xl"}]})
    assert _errors(report, "vocabularies") == [("sizes", "terms", "invalid_type")]


def test_api_import_of_an_empty_body_is_a_problem_not_a_crash(structure, api_client):
    client = _client(api_client, roles.METADATA_MANAGER)
    response = client.post(URL, b"", content_type="application/yaml")
    assert response.status_code == 422
    assert response.json()["type"].endswith("invalid-document")
