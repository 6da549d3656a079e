"""The catalog's whole structure as one reference-data document (YAML or JSON), or one kind per
CSV file: attributes and their groups, families and variants, vocabularies and terms, category
trees, locales, currencies, channels, rendition profiles and naming rules.

Each app reads and writes its own kinds (`<app>/reference_data.py`, through its services); this
module puts them in dependency order, adds linking's naming rules, and turns documents and CSV
files into items and back. An import is all or nothing: any refused item and nothing is written.
It creates and updates, never deletes: what a file does not mention stays as it is.
"""

import codecs
import csv
from collections.abc import Iterable, Iterator

import orjson
import yaml

from dam import reference_data as dam_reference
from governance import reference_data as governance_reference
from governance.csv_export import csv_lines
from governance.models import Channel, Locale
from governance.reference_data import (
    BOOL,
    CODE,
    DATE,
    DECIMAL,
    INT,
    LABELS,
    LEVELS,
    LIST,
    OPTIONAL_INT,
    REF,
    SET,
    SET_BY_KEY,
    TERMS,
    TEXT,
    ImportReport,
    Kind,
    data_apply,
    import_run,
    kinds_export,
)
from governance.tabular import cell_unquote
from linking.models import NamingRule
from linking.services import naming
from pim import reference_data as pim_reference

FORMAT_VERSION = 1
VERSION_KEY = "tessera_reference_data"
MAX_BYTES = 5 * 1024 * 1024  # a catalog's structure, not its products: ample, and bounded
# Terms travel inside their vocabularies in a document; `terms` is asked for by name (and is
# the CSV file that goes with vocabularies.csv).
NESTED_KINDS = ("terms",)
LEVEL_COUNT = 2  # a family variant has one or two levels


class ReferenceDataError(ValueError):
    """A document or file that cannot be read as reference data; `errors` name each problem."""

    def __init__(self, message: str, *, code: str, status: int = 422, errors=None):
        super().__init__(message)
        self.code, self.status = code, status
        self.errors = errors or [
            {"kind": None, "item": None, "field": None, "code": code, "message": message}
        ]


def _naming_rule_out(rule: NamingRule) -> dict:
    return {name: getattr(rule, name) for name in naming.FIELDS}


def _naming_kinds() -> dict[str, Kind]:
    return {
        "naming_rules": Kind(
            name="naming_rules",
            model="linking.namingrule",
            fields={
                "code": CODE,
                "pattern": TEXT,
                "priority": INT,
                "description": TEXT,
                "default_role": TEXT,
                "is_active": BOOL,
            },
            export=lambda: (_naming_rule_out(r) for r in NamingRule.objects.order_by("code")),
            find=lambda item: NamingRule.objects.filter(code=item["code"]).first(),
            out=_naming_rule_out,
            create=lambda item: naming.naming_rule_save(changes=item),
            update=lambda row, changes: naming.naming_rule_save(rule=row, changes=changes),
        )
    }


def kinds() -> dict[str, Kind]:
    """Every kind by name, in the order an import applies them (what a kind needs comes first:
    locales and currencies → vocabularies → categories → channels → attribute groups →
    attributes → families → family variants → rendition profiles → naming rules)."""
    return {
        **governance_reference.reference_kinds(),
        **pim_reference.reference_kinds(),
        **dam_reference.reference_kinds(),
        **_naming_kinds(),
    }


KINDS = tuple(
    [
        *governance_reference.KINDS,
        *pim_reference.KINDS,
        *dam_reference.KINDS,
        "naming_rules",
    ]
)


def kinds_parse(text: str | None) -> list[str]:
    """`a,b` → the kinds named (all but the nested ones when empty); unknown → error."""
    if not text:
        return [k for k in KINDS if k not in NESTED_KINDS]
    wanted = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in KINDS]
    if unknown:
        raise ReferenceDataError(
            f"Unknown kind(s): {', '.join(unknown)}. Known: {', '.join(KINDS)}.",
            code="unknown_kind",
            errors=[_unknown_kind(k) for k in unknown],
        )
    return [k for k in KINDS if k in wanted]


def _unknown_kind(name) -> dict:
    return {
        "kind": str(name),
        "item": None,
        "field": None,
        "code": "unknown_kind",
        "message": f"Unknown kind {name!r}. Known: {', '.join(KINDS)}.",
    }


def reference_bundle_export(chosen: Iterable[str] | None = None) -> dict:
    """The reference data of the chosen kinds (all when None) as one document."""
    chosen = kinds_parse(None) if chosen is None else list(chosen)
    registry = kinds()
    return {VERSION_KEY: FORMAT_VERSION, **kinds_export(registry[k] for k in chosen)}


def document_kinds(data: dict) -> list[str]:
    """The known kinds a document holds (terms too when a vocabulary carries some)."""
    held = [k for k in KINDS if k in data]
    vocabularies = data.get("vocabularies")
    nested = isinstance(vocabularies, list) and any(
        isinstance(v, dict) and v.get("terms") for v in vocabularies
    )
    if nested and "terms" not in held:
        held.append("terms")
    return held


def document_check(data) -> dict:
    """The document's kinds → items, or ReferenceDataError for a wrong shape, version or kind."""
    if not isinstance(data, dict):
        raise ReferenceDataError(
            "Expected a mapping of kinds to lists of items.", code="invalid_document"
        )
    data = dict(data)
    version = data.pop(VERSION_KEY, FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise ReferenceDataError(
            f"{VERSION_KEY} {version!r} is not a version this server reads ({FORMAT_VERSION}).",
            code="unsupported_version",
        )
    unknown = [k for k in data if k not in KINDS]
    if unknown:
        raise ReferenceDataError(
            f"Unknown kind(s): {', '.join(map(str, unknown))}.",
            code="unknown_kind",
            errors=[_unknown_kind(k) for k in unknown],
        )
    if not data:
        raise ReferenceDataError(
            f"The document names no kind to import (known: {', '.join(KINDS)}).", code="empty"
        )
    return data


def reference_bundle_import(data, *, dry_run: bool = False) -> dict:
    """Create or update the reference data of a document, every kind in dependency order, in
    one transaction: any refused item and nothing is written; a dry run writes nothing at all.
    Returns the report (per kind: created, updated, unchanged, errors and each item)."""
    data = document_check(data)

    def apply(report: ImportReport) -> None:
        governance_reference.reference_apply(data, report)
        pim_reference.reference_apply(data, report)
        dam_reference.reference_apply(data, report)
        data_apply(_naming_kinds().values(), data, report)

    return import_run(apply, dry_run=dry_run)


def permissions_missing(user, chosen: Iterable[str], actions: Iterable[str]) -> list[str]:
    """The permissions (`app.action_model`) `user` lacks for the chosen kinds."""
    registry = kinds()
    needed = dict.fromkeys(p for k in chosen for p in registry[k].permissions(*actions))
    return [p for p in needed if not user.has_perm(p)]


def may_import_any(user) -> bool:
    """Whether `user` may create and change at least one kind (else there is nothing to try)."""
    return any(user.has_perms(k.permissions("add", "change")) for k in kinds().values())


# -- Documents ----------------------------------------------------------------------------------


def too_large(limit: int = MAX_BYTES) -> ReferenceDataError:
    return ReferenceDataError(
        f"The file is larger than {limit / (1024 * 1024):g} MB.", code="too_large", status=413
    )


def read_limited(stream, *, limit: int = MAX_BYTES) -> bytes:
    """At most `limit` bytes of a stream; more is refused (413) without reading it all."""
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise too_large(limit)
    return body


def document_dump(document: dict, *, format: str) -> bytes:
    if format == "json":
        return orjson.dumps(document, option=orjson.OPT_INDENT_2)
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return text.encode()


def document_load(body: bytes, *, format: str):
    """A JSON or YAML document (safe_load: plain data, never objects) or ReferenceDataError."""
    if format == "json":
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ReferenceDataError(
                f"The JSON cannot be read: {exc}", code="malformed", status=400
            ) from None
    try:
        return yaml.safe_load(body)
    except yaml.YAMLError as exc:
        raise ReferenceDataError(
            f"The YAML cannot be read: {exc}", code="malformed", status=400
        ) from None


# -- CSV: one kind per file, flat columns -------------------------------------------------------
# labels → `label-<locale>`; requirements → `requirements-<channel>`; levels → `axes-<n>` and
# `attributes-<n>`; lists → comma lists; booleans true/false; nothing → an empty cell.

PREFIXES = {LABELS: "label-", SET_BY_KEY: "requirements-"}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def _header(kind: Kind, items: list[dict]) -> list[str]:
    header = []
    for name, field_type in kind.fields.items():
        if field_type == TERMS:
            continue
        if field_type in PREFIXES:
            # A column for every locale (channel) there is, as a template to fill in.
            model = Locale if field_type == LABELS else Channel
            keys = {key for item in items for key in item.get(name) or {}}
            keys |= set(model.objects.values_list("code", flat=True))
            header += [PREFIXES[field_type] + key for key in sorted(keys)]
        elif field_type == LEVELS:
            header += [
                f"{part}-{n}" for n in range(1, LEVEL_COUNT + 1) for part in ("axes", "attributes")
            ]
        else:
            header.append(name)
    return header


def _row(kind: Kind, item: dict, header: list[str]) -> list[str]:
    cells = {}
    for name, field_type in kind.fields.items():
        value = item.get(name)
        if field_type in PREFIXES:
            for key, text in (value or {}).items():
                cells[PREFIXES[field_type] + key] = _cell(text)
        elif field_type == LEVELS:
            for n, level in enumerate(value or [], start=1):
                cells[f"axes-{n}"] = _cell(level["axes"])
                cells[f"attributes-{n}"] = _cell(level["attributes"])
        elif field_type != TERMS:
            cells[name] = _cell(value)
    return [cells.get(column, "") for column in header]


def kind_csv_lines(name: str) -> Iterator[str]:
    """One kind as CSV lines (formula-like cells neutralised), header first."""
    kind = kinds()[name]
    items = list(kind.export())  # the header needs every locale and channel in use
    header = _header(kind, items)
    return csv_lines(header, (_row(kind, item, header) for item in items))


def _from_cell(field_type: str, text: str):
    """A cell as the field's value; what does not parse is passed on as text for the item's
    type check to name."""
    text = cell_unquote(text)
    stripped = text.strip()
    if field_type in (REF, OPTIONAL_INT, DECIMAL, DATE) and not stripped:
        return None
    if field_type in (INT, OPTIONAL_INT):
        try:
            return int(stripped)
        except ValueError:
            return text
    if field_type == BOOL:
        truth = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
        return truth.get(stripped.lower(), text)
    if field_type in (LIST, SET):
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _columns(kind: Kind, header: list[str]) -> list[tuple[str, str, str | None]]:
    """(field, field type, key or level) for each column, or ReferenceDataError naming every
    column that is not one of the kind's."""
    columns, problems = [], []
    for column in header:
        target = _column(kind, column)
        if target is None:
            problems.append(
                {
                    "kind": kind.name,
                    "item": None,
                    "field": column,
                    "code": "unknown_column",
                    "message": f"{column!r} is not a column of {kind.name}.",
                }
            )
        columns.append(target)
    if problems:
        raise ReferenceDataError(
            f"Unknown column(s) for {kind.name}: "
            + ", ".join(p["field"] or "(empty)" for p in problems),
            code="unknown_column",
            errors=problems,
        )
    return columns


def _column(kind: Kind, column: str):
    field_type = kind.fields.get(column)
    if field_type is not None and field_type not in (*PREFIXES, LEVELS, TERMS):
        return column, field_type, None
    for name, field_type in kind.fields.items():
        prefix = PREFIXES.get(field_type)
        if prefix and column.startswith(prefix) and len(column) > len(prefix):
            return name, field_type, column[len(prefix) :]
        if field_type == LEVELS:
            for part in ("axes", "attributes"):
                for n in range(1, LEVEL_COUNT + 1):
                    if column == f"{part}-{n}":
                        return name, field_type, f"{part}-{n}"
    return None


def kind_csv_items(name: str, file) -> list[dict]:
    """The items of one kind's CSV file (binary, UTF-8 with or without BOM), read row by row;
    ReferenceDataError for a file that is not such a CSV."""
    registry = kinds()
    if name not in registry:
        raise ReferenceDataError(
            f"Unknown kind {name!r}.", code="unknown_kind", errors=[_unknown_kind(name)]
        )
    kind = registry[name]
    reader = csv.reader(codecs.getreader("utf-8-sig")(file, errors="strict"))
    try:
        header = [column.strip() for column in next(reader, [])]
        if not any(header):
            raise ReferenceDataError("The CSV file is empty.", code="empty")
        columns = _columns(kind, header)
        return [
            _item(kind, columns, cells, number)
            for number, cells in enumerate(reader, start=2)
            if any(cell.strip() for cell in cells)
        ]
    except UnicodeDecodeError:
        raise ReferenceDataError(
            "The CSV file is not UTF-8 text.", code="malformed", status=400
        ) from None
    except csv.Error as exc:
        raise ReferenceDataError(
            f"The CSV cannot be read: {exc}", code="malformed", status=400
        ) from None


def _item(kind: Kind, columns, cells: list[str], number: int) -> dict:
    if len(cells) > len(columns):
        raise ReferenceDataError(
            f"Row {number} has {len(cells)} cells; the header has {len(columns)}.",
            code="malformed",
            status=400,
        )
    item: dict = {}
    levels: dict[int, dict] = {}
    for (name, field_type, key), text in zip(columns, cells, strict=False):
        if field_type in PREFIXES:
            group = item.setdefault(name, {})
            if field_type == LABELS and cell_unquote(text).strip():
                group[key] = cell_unquote(text)
            elif field_type == SET_BY_KEY:
                group[key] = _from_cell(SET, text)
        elif field_type == LEVELS:
            part, n = key.split("-")
            levels.setdefault(int(n), {"axes": [], "attributes": []})[part] = _from_cell(SET, text)
        else:
            item[name] = _from_cell(field_type, text)
    if levels:
        item["levels"] = [
            levels[n] for n in sorted(levels) if levels[n]["axes"] or levels[n]["attributes"]
        ]
    return item


def csv_document(name: str, file) -> dict:
    """A one-kind document from a CSV file (binary), ready for reference_bundle_import."""
    return {name: kind_csv_items(name, file)}
