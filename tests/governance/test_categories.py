"""Category trees and channels' trees: services and selectors."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.db.models import Q

from governance import selectors, services
from governance.models import Category, Channel
from tests.governance.factories import CategoryFactory, ChannelFactory, LocaleFactory
from tests.governance.test_services import error_codes

pytestmark = pytest.mark.django_db


def tree(root_code: str) -> list[tuple[str, int]]:
    """(code, depth) of a tree in tree order, after checking treebeard finds nothing wrong."""
    assert all(not problems for problems in Category.objects.find_problems())
    categories = selectors.category_list(tree=root_code)
    return [(c.code, c.depth) for c in categories]


def codes(queryset) -> list[str]:
    return list(queryset.values_list("code", flat=True))


@pytest.fixture
def clothing(db):
    """clothing > (shirts > (polos, tees), shoes); and a second tree: outlet > sale."""
    services.category_create(code="clothing")
    for code, parent in [
        ("shirts", "clothing"),
        ("shoes", "clothing"),
        ("tees", "shirts"),
        ("polos", "shirts"),
        ("outlet", None),
        ("sale", "outlet"),
    ]:
        services.category_create(code=code, parent=parent)
    return Category.objects.get(code="clothing")


def test_category_create_builds_trees_with_siblings_in_code_order(clothing):
    assert tree("clothing") == [
        ("clothing", 1),
        ("shirts", 2),
        ("polos", 3),
        ("tees", 3),
        ("shoes", 2),
    ]
    assert tree("outlet") == [("outlet", 1), ("sale", 2)]
    assert codes(selectors.category_tree_list()) == ["clothing", "outlet"]


def test_category_create_reports_every_error_at_once_and_saves_nothing(locales):
    CategoryFactory(code="taken")
    with pytest.raises(ValidationError) as exc:
        services.category_create(code="Bad Code", parent="nowhere", labels={"xx_XX": "X"})
    assert error_codes(exc.value) == {
        "labels": ["unknown_locale"],
        "parent": ["unknown"],
        "code": ["invalid_code"],
    }
    with pytest.raises(ValidationError) as exc:
        services.category_create(code="taken", parent="taken")
    assert error_codes(exc.value) == {"code": ["unique"]}
    assert codes(Category.objects.all()) == ["taken"]


def test_category_create_keeps_labels_and_marks_the_parent_changed(clothing, locales):
    before = clothing.updated_at
    hats = services.category_create(code="hats", parent="clothing", labels={"en_US": " Hats "})
    parent = Category.objects.get_parent(hats)
    assert (hats.labels, hats.depth, parent.code) == ({"en_US": "Hats"}, 2, "clothing")
    clothing.refresh_from_db()
    assert (clothing.numchild, clothing.updated_at > before) == (3, True)


def test_category_move_takes_the_subtree_along(clothing):
    services.category_update(
        category=Category.objects.get(code="shirts"), changes={}, parent="sale"
    )
    assert tree("clothing") == [("clothing", 1), ("shoes", 2)]
    assert tree("outlet") == [("outlet", 1), ("sale", 2), ("shirts", 3), ("polos", 4), ("tees", 4)]
    counts = dict(Category.objects.values_list("code", "numchild"))
    assert (counts["clothing"], counts["sale"]) == (1, 1)


def test_category_move_marks_moved_rows_and_both_parents_changed(clothing):
    Category.objects.update(updated_at="2000-01-01T00:00:00Z")
    services.category_update(
        category=Category.objects.get(code="shirts"), changes={}, parent="outlet"
    )
    changed = codes(Category.objects.filter(updated_at__year__gt=2000).order_by("code"))
    assert changed == ["clothing", "outlet", "polos", "shirts", "tees"]


def test_category_move_to_none_makes_a_tree_of_its_own(clothing):
    shirts = Category.objects.get(code="shirts")
    services.category_update(category=shirts, changes={}, parent=None)
    assert tree("shirts") == [("shirts", 1), ("polos", 2), ("tees", 2)]
    assert codes(selectors.category_tree_list()) == ["clothing", "outlet", "shirts"]


@pytest.mark.parametrize("parent", ["shirts", "tees", "polos"])
def test_category_cannot_move_under_itself_or_a_descendant(clothing, parent):
    with pytest.raises(ValidationError) as exc:
        services.category_update(
            category=Category.objects.get(code="shirts"), changes={}, parent=parent
        )
    assert error_codes(exc.value) == {"parent": ["cyclic_move"]}
    assert tree("clothing")[1:4] == [("shirts", 2), ("polos", 3), ("tees", 3)]


def test_category_update_with_unknown_parent_changes_nothing(clothing, locales):
    shirts = Category.objects.get(code="shirts")
    with pytest.raises(ValidationError) as exc:
        services.category_update(
            category=shirts, changes={"labels": {"en_US": "Shirts"}}, parent="nowhere"
        )
    assert error_codes(exc.value) == {"parent": ["unknown"]}
    shirts.refresh_from_db()
    assert shirts.labels == {}


def test_category_update_merges_labels_keeps_place_and_never_changes_the_code(clothing, locales):
    shirts = Category.objects.get(code="shirts")
    path = shirts.path
    services.category_update(
        category=shirts, changes={"labels": {"en_US": "Shirts"}}, parent="clothing"
    )
    services.category_update(category=shirts, changes={"labels": {"fr_FR": "Chemises"}})
    shirts.refresh_from_db()
    assert (shirts.labels, shirts.path) == ({"en_US": "Shirts", "fr_FR": "Chemises"}, path)
    with pytest.raises(ValidationError) as exc:
        services.category_update(category=shirts, changes={"code": "tops", "path": "0001"})
    assert error_codes(exc.value) == {"code": ["read_only"], "path": ["read_only"]}


def test_category_services_work_on_stored_paths_not_stale_instances(clothing):
    stale = Category.objects.get(code="shoes")
    services.category_create(code="bags", parent="clothing")  # sorts first: shifts siblings
    assert Category.objects.get(code="shoes").path != stale.path
    services.category_update(category=stale, changes={}, parent="outlet")
    assert tree("outlet") == [("outlet", 1), ("sale", 2), ("shoes", 2)]
    assert [c for c, _ in tree("clothing")] == ["clothing", "bags", "shirts", "polos", "tees"]


def test_category_with_children_cannot_be_deleted(clothing):
    shirts = Category.objects.get(code="shirts")
    with pytest.raises(ValidationError) as exc:
        services.category_delete(category=shirts)
    assert error_codes(exc.value) == {NON_FIELD_ERRORS: ["has_children"]}
    for code in ("tees", "polos", "shirts"):
        services.category_delete(category=Category.objects.get(code=code))
    assert tree("clothing") == [("clothing", 1), ("shoes", 2)]
    assert Category.objects.get(code="clothing").numchild == 1


def test_a_tree_a_channel_publishes_must_stay_a_tree(clothing):
    channel = ChannelFactory(code="web")
    services.channel_update(channel=channel, changes={}, category_tree="outlet")
    outlet = Category.objects.get(code="outlet")
    with pytest.raises(ValidationError) as exc:
        services.category_update(category=outlet, changes={}, parent="clothing")
    assert error_codes(exc.value) == {"parent": ["tree_in_use"]}
    services.category_delete(category=Category.objects.get(code="sale"))
    with pytest.raises(ValidationError) as exc:
        services.category_delete(category=outlet)
    assert error_codes(exc.value) == {NON_FIELD_ERRORS: ["tree_in_use"]}
    assert "web" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("category_tree", "error"),
    [("shirts", "not_a_tree"), ("nowhere", "unknown")],
)
def test_channel_create_refuses_a_category_tree_that_is_not_a_root(clothing, category_tree, error):
    LocaleFactory(code="en_US")
    with pytest.raises(ValidationError) as exc:
        services.channel_create(code="web", locales=["en_US"], category_tree=category_tree)
    assert error_codes(exc.value) == {"category_tree": [error]}
    assert not Channel.objects.exists()


def test_channel_category_tree_is_set_kept_and_cleared(clothing):
    LocaleFactory(code="en_US")
    channel = services.channel_create(code="web", locales=["en_US"], category_tree="clothing")
    assert channel.category_tree.code == "clothing"
    services.channel_update(channel=channel, changes={"label": "Web"})
    channel.refresh_from_db()
    assert channel.category_tree.code == "clothing"
    services.channel_update(channel=channel, changes={}, category_tree=None)
    channel.refresh_from_db()
    assert channel.category_tree is None


def test_subtree_paths_select_a_subtree_with_startswith(clothing):
    paths = selectors.category_subtree_paths(codes=["shirts", "unknown"])
    assert len(paths) == 1
    subtree = Category.objects.filter(path__startswith=paths[0]).order_by("code")
    assert codes(subtree) == ["polos", "shirts", "tees"]

    paths = selectors.category_subtree_paths(codes=["shirts", "outlet"])
    either = Q()
    for path in paths:
        either |= Q(path__startswith=path)
    assert codes(Category.objects.filter(either).order_by("code")) == [
        "outlet",
        "polos",
        "sale",
        "shirts",
        "tees",
    ]
    assert selectors.category_subtree_paths(codes=[]) == []


def test_category_list_names_parent_and_tree_in_one_query(clothing, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = {c.code: (c.parent_code, c.tree_code) for c in selectors.category_list()}
    assert rows == {
        "clothing": (None, "clothing"),
        "shirts": ("clothing", "clothing"),
        "polos": ("shirts", "clothing"),
        "tees": ("shirts", "clothing"),
        "shoes": ("clothing", "clothing"),
        "outlet": (None, "outlet"),
        "sale": ("outlet", "outlet"),
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"parent": "clothing"}, ["shirts", "shoes"]),
        ({"parent": "tees"}, []),
        ({"parent": "nowhere"}, []),
        ({"tree": "outlet"}, ["outlet", "sale"]),
        ({"tree": "shirts"}, []),  # not a root: not a tree
        ({"tree": "clothing", "parent": "shirts"}, ["polos", "tees"]),
    ],
)
def test_category_list_filters_by_tree_and_parent(clothing, filters, expected):
    assert codes(selectors.category_list(**filters)) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's LIKE index")
def test_path_startswith_is_index_backed_on_postgresql(clothing):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'governance_category'")
        definitions = [row[0] for row in cursor.fetchall()]
        assert any("(path varchar_pattern_ops)" in d for d in definitions), definitions
        cursor.execute("SET LOCAL enable_seqscan = off")
        query = Category.objects.filter(path__startswith="0001").values("code").query
        sql, params = query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index" in plan and "_like" in plan, plan
