"""Reference data as plain documents (kept in version control, moved between environments):
the machinery every app's `reference_data` module shares, and the shared language's own kinds
(locales, currencies, vocabularies with their terms, category trees, channels).

An import goes item by item through the services the admin and the API use, so it is judged by
the same rules. An item equal to what is stored is left alone (no write, no audit row): importing
a file twice changes nothing. What the file does not mention is never deleted.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import EllipsisType

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction

from governance import services
from governance.models import Category, Channel, Currency, Locale, Term, Vocabulary
from governance.selectors import channel_list

CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"


class ImportReport:
    """What an import did (or, in a dry run, would do), per kind and per item."""

    def __init__(self):
        self.items: dict[str, dict[str, dict]] = {}  # kind → item key → {code, status, errors}

    def item(self, kind: str, key: str, status: str) -> None:
        entry = self.items.setdefault(kind, {}).setdefault(
            key, {"code": key, "status": status, "errors": []}
        )
        if entry["status"] != ERROR:
            entry["status"] = status

    def error(self, kind: str, key: str | None, *, field: str | None, code: str, message: str):
        self.item(kind, key or "", ERROR)
        self.items[kind][key or ""]["errors"].append(
            {"kind": kind, "item": key, "field": field, "code": code, "message": message}
        )

    def validation_error(self, kind: str, key: str, exc: ValidationError, *, prefix="") -> None:
        """Every problem a service found, one error each, with its field path."""
        for field_name, code, message in error_entries(exc):
            if prefix:
                field_name = f"{prefix}.{field_name}" if field_name else prefix
            self.error(kind, key, field=field_name, code=code, message=message)

    @property
    def errors(self) -> list[dict]:
        return [e for items in self.items.values() for i in items.values() for e in i["errors"]]

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self, *, dry_run: bool) -> dict:
        kinds = {}
        for kind, items in self.items.items():
            counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, "errors": 0}
            for entry in items.values():
                counts["errors" if entry["status"] == ERROR else entry["status"]] += 1
            kinds[kind] = {**counts, "items": list(items.values())}
        return {
            "dry_run": dry_run,
            "applied": self.ok and not dry_run,
            "kinds": kinds,
            "errors": self.errors,
        }


def error_entries(exc: ValidationError) -> list[tuple[str | None, str, str]]:
    """(field or None, code, message) for each problem of a Django ValidationError."""
    if not hasattr(exc, "error_dict"):
        return [(None, e.code or "invalid", m) for e in exc.error_list for m in e]
    entries = []
    for name, problems in exc.error_dict.items():
        place = None if name == NON_FIELD_ERRORS else name
        entries += [(place, e.code or "invalid", m) for e in problems for m in e]
    return entries


def import_run(apply: Callable[[ImportReport], None], *, dry_run: bool) -> dict:
    """Run `apply` in one transaction, kept only when nothing failed and it is no dry run:
    all or nothing, and a dry run sees every item as it would be written (later kinds find the
    earlier ones) without a trace."""
    report = ImportReport()
    with transaction.atomic():
        apply(report)
        if dry_run or not report.ok:
            transaction.set_rollback(True)
    return report.as_dict(dry_run=dry_run)


# Field types: what an item's field holds, for checking input, comparing with what is stored
# and flattening into CSV columns.
CODE, TEXT, REF, INT, OPTIONAL_INT, BOOL = "code", "text", "ref", "int", "int?", "bool"
DECIMAL, DATE, LABELS, LIST, SET = "decimal?", "date?", "labels", "list", "set"
SET_BY_KEY, LEVELS, TERMS = "set_by_key", "levels", "terms"


class FieldTypeError(ValueError):
    pass


def _text_list(value, *, ordered: bool) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FieldTypeError("Expected a list of codes.")
    values = [v.strip() for v in value]
    return values if ordered else sorted(dict.fromkeys(values))


def normalize(kind: str, value):
    """The value in its canonical form (how an export writes it), or FieldTypeError."""
    if kind in (CODE, TEXT):
        if not isinstance(value, str):
            raise FieldTypeError("Expected text.")
        return value.strip() if kind == CODE else value
    if kind == REF:
        if value is not None and not isinstance(value, str):
            raise FieldTypeError("Expected a code or null.")
        return value.strip() or None if value else None
    if kind in (INT, OPTIONAL_INT):
        if value is None and kind == OPTIONAL_INT:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldTypeError("Expected a whole number.")
        return value
    if kind == BOOL:
        if not isinstance(value, bool):
            raise FieldTypeError("Expected true or false.")
        return value
    if kind == DECIMAL:
        return _decimal(value)
    if kind == DATE:
        return _date(value)
    if kind == LABELS:
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise FieldTypeError("Expected labels: locale code → text.")
        return {k: v for k, v in sorted(value.items()) if v.strip()}
    if kind in (LIST, SET):
        return _text_list(value, ordered=kind == LIST)
    if kind == SET_BY_KEY:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise FieldTypeError("Expected a mapping of codes to lists of codes.")
        lists = {k: _text_list(v, ordered=False) for k, v in sorted(value.items())}
        return {k: v for k, v in lists.items() if v}
    if kind == LEVELS:
        return _levels(value)
    if kind == TERMS:  # each term is judged as an item of `terms`
        if value is not None and not isinstance(value, list):
            raise FieldTypeError("Expected a list of terms.")
        return value or []
    raise AssertionError(kind)


def _decimal(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise FieldTypeError("Expected a number.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise FieldTypeError("Expected a number.") from None
    if not number.is_finite():
        raise FieldTypeError("Expected a number.")
    text = format(number.normalize(), "f")
    return text


def _date(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        raise FieldTypeError("Expected a date (YYYY-MM-DD).")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise FieldTypeError("Expected a date (YYYY-MM-DD).")
    try:
        return datetime.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise FieldTypeError("Expected a date (YYYY-MM-DD).") from None


def _levels(value):
    if not isinstance(value, list) or not all(isinstance(level, dict) for level in value):
        raise FieldTypeError("Expected a list of levels, each {axes: […], attributes: […]}.")
    levels = []
    for level in value:
        unknown = set(level) - {"axes", "attributes", "level"}
        if unknown:
            raise FieldTypeError(f"A level has axes and attributes, not {sorted(unknown)[0]}.")
        levels.append(
            {
                "axes": _text_list(level.get("axes", []), ordered=False),
                "attributes": _text_list(level.get("attributes", []), ordered=False),
            }
        )
    return levels


@dataclass
class Kind:
    """One kind of reference data: its fields, how rows read, and how an item is written."""

    name: str
    model: str  # "app.model", whose view/add/change permissions guard it
    fields: dict[str, str]  # name → field type; "code" first
    export: Callable[[], Iterable[dict]]
    find: Callable[[dict], object | None]
    out: Callable[[object], dict]
    create: Callable[[dict], object]
    update: Callable[[object, dict], object]
    key: Callable[[dict], str] = field(default=lambda item: item["code"])
    key_fields: tuple[str, ...] = ("code",)

    def permissions(self, *actions: str) -> list[str]:
        app, model = self.model.split(".")
        return [f"{app}.{action}_{model}" for action in actions]


def item_clean(kind: Kind, raw, index: int, report: ImportReport) -> dict | None:
    """The item with every field in canonical form, or None after reporting what is wrong."""
    where = f"[{index}]"
    if not isinstance(raw, dict):
        report.error(kind.name, where, field=None, code="invalid_type", message="Expected an item.")
        return None
    missing = [name for name in kind.key_fields if not raw.get(name)]
    if missing:
        key = str(raw.get("code") or where)
        for name in missing:
            report.error(kind.name, key, field=name, code="required", message="Required.")
        return None
    item, problems = {}, []
    for name, value in raw.items():
        field_type = kind.fields.get(name) if isinstance(name, str) else None
        if field_type is None:
            problems.append((str(name), "unknown_field", "Unknown field."))
            continue
        try:
            item[name] = normalize(field_type, value)
        except FieldTypeError as exc:
            problems.append((name, "invalid_type", str(exc)))
    key = kind.key(item) if all(n in item for n in kind.key_fields) else str(raw.get("code"))
    for name, code, message in problems:
        report.error(kind.name, key, field=name, code=code, message=message)
    return None if problems else item


def changed_fields(kind: Kind, row, item: dict) -> dict:
    """The fields of `item` whose canonical value differs from the stored row's."""
    current = kind.out(row)
    return {
        name: value
        for name, value in item.items()
        if name not in kind.key_fields and kind.fields[name] != TERMS and current.get(name) != value
    }


def labels_patch(current: dict, wanted: dict) -> dict:
    """A per-locale merge patch making `current` labels exactly `wanted` (None erases)."""
    return {**dict.fromkeys(set(current) - set(wanted)), **wanted}


def kind_apply(kind: Kind, items, report: ImportReport) -> list[dict]:
    """Create or update each item through the kind's services; return the items written."""
    if items is None:  # `kind:` with nothing under it
        return []
    if not isinstance(items, list):
        report.error(
            kind.name, None, field=None, code="invalid_type", message="Expected a list of items."
        )
        return []
    seen, done = set(), []
    for index, raw in enumerate(items):
        item = item_clean(kind, raw, index, report)
        if item is None:
            continue
        key = kind.key(item)
        if key in seen:
            report.error(
                kind.name, key, field="code", code="duplicate", message="Given twice in the file."
            )
            continue
        seen.add(key)
        if item_write(kind, item, report):
            done.append(item)
    return done


def item_write(kind: Kind, item: dict, report: ImportReport) -> bool:
    """Write one item (in a savepoint: a refused item leaves nothing behind); True if it is
    stored as the file says."""
    key = kind.key(item)
    try:
        with transaction.atomic():
            row = kind.find(item)
            if row is None:
                kind.create(item)
                report.item(kind.name, key, CREATED)
            else:
                changes = changed_fields(kind, row, item)
                if changes:
                    kind.update(row, changes)
                report.item(kind.name, key, UPDATED if changes else UNCHANGED)
    except ValidationError as exc:
        report.validation_error(kind.name, key, exc)
        return False
    except PermissionDenied as exc:
        message = str(exc) or "Permission denied."
        report.error(kind.name, key, field=None, code="permission_denied", message=message)
        return False
    return True


def kinds_export(kinds: Iterable[Kind]) -> dict[str, list[dict]]:
    return {kind.name: list(kind.export()) for kind in kinds}


def data_apply(kinds: Iterable[Kind], data: dict, report: ImportReport) -> None:
    for kind in kinds:
        if kind.name in data:
            kind_apply(kind, data[kind.name], report)


# -- The shared language's kinds ----------------------------------------------------------------


def _code_entry_kind(name: str, model) -> Kind:
    def out(row):
        return {"code": row.code, "label": row.label, "is_active": row.is_active}

    return Kind(
        name=name,
        model=f"governance.{model._meta.model_name}",
        fields={"code": CODE, "label": TEXT, "is_active": BOOL},
        export=lambda: (out(row) for row in model.objects.order_by("code")),
        find=lambda item: model.objects.filter(code=item["code"]).first(),
        out=out,
        create=lambda item: services.code_entry_create(model=model, **item),
        update=lambda row, changes: services.code_entry_update(entry=row, changes=changes),
    )


def _term_out(term: Term) -> dict:
    return {
        "code": term.code,
        "labels": term.labels,
        "sort_order": term.sort_order,
        "is_deprecated": term.is_deprecated,
    }


def _vocabulary_out(vocabulary: Vocabulary, *, terms: bool = True) -> dict:
    out = {
        "code": vocabulary.code,
        "labels": vocabulary.labels,
        "is_governed": vocabulary.is_governed,
    }
    if terms:
        out["terms"] = [_term_out(term) for term in vocabulary.terms.all()]
    return out


class _Governing:
    """Governed vocabularies and trees are made governed last, once their entries are in:
    creating one from a file creates its entries too (changing an existing one's entries still
    takes a change request, and is refused)."""

    def __init__(self):
        self.vocabularies: list[Vocabulary] = []
        self.trees: list[Category] = []


def _vocabularies_kind(governing: _Governing, nested_terms: list) -> Kind:
    def create(item):
        vocabulary = services.vocabulary_create(code=item["code"], labels=item.get("labels"))
        if item.get("is_governed"):
            governing.vocabularies.append(vocabulary)
        return vocabulary

    def update(row, changes):
        changes = dict(changes)
        if "labels" in changes:
            changes["labels"] = labels_patch(row.labels, changes["labels"])
        if changes.get("is_governed"):
            changes.pop("is_governed")
            governing.vocabularies.append(row)
        if changes:
            services.vocabulary_update(vocabulary=row, changes=changes)

    def find(item):
        # Nested terms follow their vocabulary, in the terms' own pass.
        for term in item.pop("terms", None) or []:
            nested_terms.append(
                {"vocabulary": item["code"], **term} if isinstance(term, dict) else term
            )
        return Vocabulary.objects.filter(code=item["code"]).first()

    return Kind(
        name="vocabularies",
        model="governance.vocabulary",
        fields={"code": CODE, "labels": LABELS, "is_governed": BOOL, "terms": TERMS},
        export=lambda: (
            _vocabulary_out(v)
            for v in Vocabulary.objects.prefetch_related("terms").order_by("code")
        ),
        find=find,
        out=lambda row: _vocabulary_out(row, terms=False),
        create=create,
        update=update,
    )


def _term_find(item) -> Term | None:
    vocabulary = Vocabulary.objects.filter(code=item["vocabulary"]).first()
    if vocabulary is None:
        message = f"There is no vocabulary {item['vocabulary']!r}."
        raise ValidationError({"vocabulary": ValidationError(message, code="unknown")})
    term = Term.objects.filter(vocabulary=vocabulary, code=item["code"]).first()
    if term is None:
        item["vocabulary"] = vocabulary  # create() adds the term there
    return term


def _term_create(item) -> Term:
    fields = {k: v for k, v in item.items() if k != "vocabulary"}
    return services.term_create(vocabulary=item["vocabulary"], **fields)


def _term_update(row: Term, changes: dict) -> Term:
    if "labels" in changes:
        changes = {**changes, "labels": labels_patch(row.labels, changes["labels"])}
    return services.term_update(term=row, changes=changes)


def _terms_kind() -> Kind:
    return Kind(
        name="terms",
        model="governance.term",
        fields={
            "vocabulary": CODE,
            "code": CODE,
            "labels": LABELS,
            "sort_order": INT,
            "is_deprecated": BOOL,
        },
        export=lambda: (
            {"vocabulary": t.vocabulary.code, **_term_out(t)}
            for t in Term.objects.select_related("vocabulary").order_by(
                "vocabulary__code", "sort_order", "code"
            )
        ),
        find=_term_find,
        out=lambda row: {"vocabulary": row.vocabulary.code, **_term_out(row)},
        create=_term_create,
        update=_term_update,
        key=lambda item: f"{item['vocabulary']}/{item['code']}",
        key_fields=("vocabulary", "code"),
    )


def _category_out(category: Category, parents: dict[str, str | None]) -> dict:
    return {
        "code": category.code,
        "parent": parents.get(category.path[: -Category.steplen]),
        "labels": category.labels,
        "is_governed": category.is_governed,
    }


def _categories_export():
    codes_by_path: dict[str, str] = {}
    for category in Category.objects.order_by("path"):
        codes_by_path[category.path] = category.code
        yield _category_out(category, codes_by_path)


def _category_single_out(category: Category) -> dict:
    parent = None
    if not category.is_root():
        parent = (
            Category.objects.filter(path=category.path[: -Category.steplen])
            .values_list("code", flat=True)
            .first()
        )
    return _category_out(category, {category.path[: -Category.steplen]: parent})


def _categories_kind(governing: _Governing) -> Kind:
    def create(item):
        category = services.category_create(
            code=item["code"], parent=item.get("parent"), labels=item.get("labels")
        )
        if item.get("is_governed"):
            governing.trees.append(category)
        return category

    def update(row, changes):
        changes = dict(changes)
        parent: str | EllipsisType | None = changes.pop("parent", ...)
        if "labels" in changes:
            changes["labels"] = labels_patch(row.labels, changes["labels"])
        if changes.get("is_governed"):
            changes.pop("is_governed")
            governing.trees.append(row)
        if changes or parent is not ...:
            services.category_update(category=row, changes=changes, parent=parent)

    return Kind(
        name="categories",
        model="governance.category",
        fields={"code": CODE, "parent": REF, "labels": LABELS, "is_governed": BOOL},
        export=_categories_export,
        find=lambda item: Category.objects.filter(code=item["code"]).first(),
        out=_category_single_out,
        create=create,
        update=update,
    )


def _parents_first(items):
    """Categories ordered so each parent the file names comes before its children (the file
    may list them in any order); anything else keeps its place."""
    if not isinstance(items, list):
        return items
    parent_of = {
        i.get("code"): i.get("parent")
        for i in items
        if isinstance(i, dict) and isinstance(i.get("code"), str)
    }

    def depth(item) -> int:
        steps, code = 0, item.get("code") if isinstance(item, dict) else None
        while code in parent_of and parent_of[code] and steps <= len(parent_of):
            code, steps = parent_of[code], steps + 1
        return steps

    return sorted(items, key=depth)


def _channel_out(channel: Channel) -> dict:
    return {
        "code": channel.code,
        "label": channel.label,
        "locales": sorted(locale.code for locale in channel.locales.all()),
        "currencies": sorted(currency.code for currency in channel.currencies.all()),
        "category_tree": channel.category_tree.code if channel.category_tree else None,
        "approval_min_completeness": channel.approval_min_completeness,
    }


def _channel_update(row, changes):
    changes = dict(changes)
    relations = {
        "locales": changes.pop("locales", None),
        "currencies": changes.pop("currencies", None),
        "category_tree": changes.pop("category_tree", ...),
    }
    return services.channel_update(channel=row, changes=changes, **relations)


CHANNELS_KIND = Kind(
    name="channels",
    model="governance.channel",
    fields={
        "code": CODE,
        "label": TEXT,
        "locales": SET,
        "currencies": SET,
        "category_tree": REF,
        "approval_min_completeness": INT,
    },
    export=lambda: (_channel_out(c) for c in channel_list().order_by("code")),
    find=lambda item: channel_list().filter(code=item["code"]).first(),
    out=_channel_out,
    create=lambda item: services.channel_create(**{"locales": [], **item}),
    update=_channel_update,
)

KINDS = (
    "locales",
    "currencies",
    "vocabularies",
    "terms",
    "categories",
    "channels",
)


def _kinds(governing: _Governing, nested_terms: list) -> dict[str, Kind]:
    return {
        "locales": _code_entry_kind("locales", Locale),
        "currencies": _code_entry_kind("currencies", Currency),
        "vocabularies": _vocabularies_kind(governing, nested_terms),
        "terms": _terms_kind(),
        "categories": _categories_kind(governing),
        "channels": CHANNELS_KIND,
    }


def reference_kinds() -> dict[str, Kind]:
    """This app's kinds by name, in the order an import applies them."""
    return _kinds(_Governing(), [])


def reference_export(kinds: Iterable[str] | None = None) -> dict[str, list[dict]]:
    """The shared language's reference data, by kind (all of this app's kinds when None)."""
    chosen = reference_kinds()
    wanted = KINDS if kinds is None else [k for k in KINDS if k in set(kinds)]
    return kinds_export(chosen[name] for name in wanted)


def reference_apply(data: dict, report: ImportReport) -> None:
    """Write this app's kinds of `data` in dependency order, into `report`; the caller owns
    the transaction (see import_run)."""
    governing, nested_terms = _Governing(), []
    kinds = _kinds(governing, nested_terms)
    for name in ("locales", "currencies", "vocabularies"):
        if name in data:
            kind_apply(kinds[name], data[name], report)
    terms = data.get("terms") or []
    if isinstance(terms, list):  # else refused whole, as any kind that is not a list
        terms = [*nested_terms, *terms]
    if terms:
        kind_apply(kinds["terms"], terms, report)
    for vocabulary in governing.vocabularies:
        _govern(report, "vocabularies", vocabulary.code, services.vocabulary_update, vocabulary)
    if "categories" in data:
        kind_apply(kinds["categories"], _parents_first(data["categories"]), report)
    for tree in governing.trees:
        tree.refresh_from_db()
        _govern(report, "categories", tree.code, services.category_update, tree)
    if "channels" in data:
        kind_apply(kinds["channels"], data["channels"], report)


def _govern(report, kind, key, update, row) -> None:
    argument = "vocabulary" if kind == "vocabularies" else "category"
    try:
        with transaction.atomic():
            update(**{argument: row, "changes": {"is_governed": True}})
    except ValidationError as exc:
        report.validation_error(kind, key, exc)
    except PermissionDenied as exc:
        report.error(kind, key, field="is_governed", code="permission_denied", message=str(exc))


def reference_import(data: dict, *, dry_run: bool = False) -> dict:
    """Create or update the shared language's reference data from `data`; all or nothing, and
    nothing at all in a dry run. Returns the report."""
    return import_run(lambda report: reference_apply(data, report), dry_run=dry_run)
