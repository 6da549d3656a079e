"""Rows -> products (or product models), batch by batch, through the services' one validation
path. Memory holds one batch: rows, items and outcomes are dropped when it is done."""

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from django.core.exceptions import ValidationError
from django.db import transaction

from pim import selectors
from pim.imports.cells import RowConverter
from pim.imports.columns import CellError, header_resolve
from pim.imports.terms import NewTerms, error_messages
from pim.models import Association, AttributeType, Product, ProductModel
from pim.services.product_models import product_model_save
from pim.services.products import product_upsert_many, sku_key
from pim.values import value_key


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0  # rows with errors (nothing of them is written)
    rows: int = 0


def products_import(
    rows: Iterable[tuple[int, list[str]]],
    header: list[str],
    *,
    kind: str = "products",
    mapping: dict | None = None,
    dry_run: bool = False,
    create_terms: bool = False,
    batch_size: int = 1000,
    on_batch: Callable[[int, ImportCounts], None] | None = None,
    on_failed_row: Callable[[int, list[str], list[CellError]], None] | None = None,
    on_saved_row: Callable[[object, dict[str, list[str]]], None] | None = None,
) -> ImportCounts:
    """Import spreadsheet rows; a row with any error is reported (on_failed_row) and not written.

    Header problems stop the import before any row: they come back as on_failed_row(1, header,
    errors). A dry run validates every row exactly as the commit would and writes nothing.
    """
    catalog = selectors.catalog_load()
    targets, problems = header_resolve(header, kind=kind, mapping=mapping, catalog=catalog)
    counts = ImportCounts()
    if problems:
        if on_failed_row:
            on_failed_row(1, list(header), problems)
        return counts
    run = _Run(
        targets,
        catalog,
        kind=kind,
        dry_run=dry_run,
        create_terms=create_terms,
        counts=counts,
        on_failed_row=on_failed_row,
        on_saved_row=on_saved_row,
    )
    batch: list[tuple[int, list[str]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            run.batch(batch)
            batch = []
            if on_batch:
                on_batch(counts.rows, counts)
    if batch:
        run.batch(batch)
        if on_batch:
            on_batch(counts.rows, counts)
    run.finish(batch_size)
    return counts


@dataclass
class _Row:
    number: int
    cells: list[str]
    item: dict
    media: dict
    errors: list[CellError]
    links: dict | None = None  # association cells as given: {type: {side: [links]}}


class _Run:
    def __init__(self, targets, catalog, *, kind, dry_run, create_terms, counts, **callbacks):
        self.kind, self.catalog, self.dry_run = kind, catalog, dry_run
        self.counts = counts
        self.on_failed_row = callbacks["on_failed_row"]
        self.on_saved_row = callbacks["on_saved_row"]
        self.converter = RowConverter(
            targets,
            catalog,
            kind=kind,
            create_terms=create_terms,
        )
        self.new_terms = (
            NewTerms(self.converter, catalog, dry_run=dry_run) if create_terms else None
        )
        self.price_attributes = {
            slot.attribute
            for slot in self.converter.slot_list
            if catalog.attributes[slot.attribute].type == AttributeType.PRICE
        }
        self.association_columns = {
            (t.association, t.role): t.column for t in targets if t.target == "association"
        }
        self.quantified = self.converter.quantified
        # A dry run writes nothing, so a later batch cannot see what an earlier one would have
        # created: association targets among them are remembered (keys only, and only then).
        self.would_create: set[str] | None = set() if dry_run and self.association_columns else None
        # Rows linking to products of a later batch wait in a temporary file (not in memory)
        # and run again once every row has been seen.
        self.deferred = None
        self.final = False
        self.phase = "main"
        self.first_pass: dict[int, tuple[int, bool]] = {}  # row -> (status, unchanged)

    def batch(self, raw: list[tuple[int, list[str]]]) -> None:
        rows = []
        for number, cells in raw:
            item, media, errors = self.converter.convert(number, cells)
            rows.append(_Row(number, cells, item, media, errors))
        if not self.final:
            self.counts.rows += len(rows)
        if self.new_terms:
            self.catalog = self.new_terms.settle(rows)
        good = []
        for row in rows:
            if row.errors:
                self._fail(row)
            else:
                good.append(row)
        if not good:
            return
        if self.kind == "products":
            self._products(good)
        else:
            self._models(good)

    # Products ------------------------------------------------------------------------------

    def finish(self, batch_size: int) -> None:
        """The rows put by for links to later rows, in two passes over temporary files: first
        without their links (so every target of theirs exists, even in a cycle), then whole,
        which adds the links. A row failing the first pass is not written at all."""
        if self.deferred is None:
            return
        self.final = True
        for phase in ("body", "links"):
            source, self.phase = self.deferred, phase
            self.deferred = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
            source.seek(0)
            batch = []
            for line in source:
                number, cells, *first = orjson.loads(line)
                batch.append((number, cells))
                if first:
                    self.first_pass[number] = tuple(first)
                if len(batch) >= batch_size:
                    self.batch(batch)
                    batch, self.first_pass = [], {}
            if batch:
                self.batch(batch)
                self.first_pass = {}
            source.close()
        self.deferred.close()

    def _defer(self, row: _Row, errors: list[dict]) -> bool:
        """Whether the row only waits for link targets of a later batch (then it is put by)."""
        if self.final or not self.association_columns:
            return False
        for error in errors:
            if error["code"] == "target_failed":
                continue
            link = (
                self._link_at(row, error["field"] or "")
                if error["code"] == "unknown" and (error["field"] or "").startswith("associations.")
                else None
            )
            if not link or "product" not in link:
                return False
        if self.deferred is None:
            self.deferred = tempfile.TemporaryFile()  # noqa: SIM115 (closed by finish)
        self.deferred.write(orjson.dumps([row.number, row.cells]) + b"\n")
        return True

    def _products(self, rows: list[_Row]) -> None:
        keys = [sku_key(r.item["sku"]) for r in rows if isinstance(r.item.get("sku"), str)]
        if self.price_attributes:
            self._merge_prices(rows, keys)
        if self.association_columns:
            self._merge_links(rows, keys)
        if self.phase == "body":
            for row in rows:
                row.item.pop("associations", None)
        outcomes = product_upsert_many(
            items=[r.item for r in rows],
            catalog=self.catalog,
            dry_run=self.dry_run,
        )
        if self.would_create is not None:
            existing = set(
                Product.objects.filter(sku_key__in=keys).values_list("sku_key", flat=True)
            )
        for row, outcome in zip(rows, outcomes, strict=True):
            errors = outcome.errors
            if errors and self.would_create is not None:
                errors = [e for e in errors if not self._created_earlier(row, e)]
                if not errors:
                    outcome.status = 200 if sku_key(row.item["sku"]) in existing else 201
            if errors and self._defer(row, errors):
                continue
            if errors:
                row.errors = [self._cell_error(row, e) for e in errors]
                self._fail(row)
                continue
            if self.would_create is not None and outcome.status == 201:
                self.would_create.add(sku_key(row.item["sku"]))
            if self.phase == "body":
                line = [row.number, row.cells, outcome.status, outcome.unchanged]
                self.deferred.write(orjson.dumps(line) + b"\n")
                continue
            status, unchanged = outcome.status, outcome.unchanged
            if row.number in self.first_pass:
                status, first_unchanged = self.first_pass[row.number]
                unchanged = unchanged and first_unchanged
            self._saved(status, unchanged, outcome.product, row)

    def _merge_prices(self, rows: list[_Row], keys: list[str]) -> None:
        """A price cell changes its currency; the product's other currencies stay."""
        stored = dict(Product.objects.filter(sku_key__in=keys).values_list("sku_key", "values"))
        for row in rows:
            values = stored.get(sku_key(row.item["sku"])) if "sku" in row.item else None
            if not values:
                continue
            for code in self.price_attributes & row.item.get("values", {}).keys():
                for entry in row.item["values"][code]:
                    before = values.get(code, {}).get(value_key(entry["channel"], entry["locale"]))
                    given = {p["currency"] for p in entry["data"]}
                    entry["data"] = entry["data"] + [
                        p for p in before or () if p["currency"] not in given
                    ]

    def _merge_links(self, rows: list[_Row], keys: list[str]) -> None:
        """Association cells as the service's payload: a given side replaces the stored one, an
        empty cell keeps it, and a type that would come out as stored is left out (so a
        re-import changes nothing)."""
        stored: dict = {}
        for key, kind, sku, model, quantity in Association.objects.filter(
            source__sku_key__in=keys
        ).values_list(
            "source__sku_key",
            "association_type__code",
            "target_product__sku",
            "target_model__code",
            "quantity",
        ):
            sides = stored.setdefault(key, {}).setdefault(kind, {})
            if sku is not None:
                sides.setdefault("products", []).append({"product": sku, "quantity": quantity})
            else:
                sides.setdefault("product_models", []).append(
                    {"product_model": model, "quantity": quantity}
                )
        for row in rows:
            given = row.item.pop("associations", None)
            if not given:
                continue
            row.links = given
            mine = stored.get(sku_key(row.item.get("sku") or ""), {})
            payload = {}
            for kind, sides in given.items():
                before = mine.get(kind, {})
                products = sides.get("products", before.get("products", []))
                models = sides.get("product_models", before.get("product_models", []))
                if _link_set(products + models) == _link_set(
                    before.get("products", []) + before.get("product_models", [])
                ):
                    continue
                quantified = kind in self.quantified
                payload[kind] = [_link_payload(link, quantified) for link in products + models]
                row.links[kind] = {"products": products, "product_models": models}
            if payload:
                row.item["associations"] = payload

    def _created_earlier(self, row: _Row, error: dict) -> bool:
        """A dry run's "no such product" for a link to a row an earlier batch would create."""
        if error["code"] != "unknown" or not (error["field"] or "").startswith("associations."):
            return False
        link = self._link_at(row, error["field"])
        return bool(link and "product" in link and sku_key(link["product"]) in self.would_create)

    # Product models ------------------------------------------------------------------------

    def _models(self, rows: list[_Row]) -> None:
        existing = {
            m.code: m
            for m in ProductModel.objects.filter(
                code__in=[
                    r.item["code"].strip() for r in rows if isinstance(r.item.get("code"), str)
                ]
            )
        }
        catalog = self.catalog
        # A dry run saves each model in a savepoint rolled back with the batch: sub-models see
        # the root models before them, and nothing remains.
        saved_rows = []
        with transaction.atomic():
            for row in rows:
                model = existing.get(row.item.get("code", "").strip())
                version = model.version if model else None
                try:
                    with transaction.atomic():
                        saved = product_model_save(
                            data=row.item, product_model=model, catalog=catalog
                        )
                except ValidationError as exc:
                    row.errors = [
                        self._cell_error(row, {"field": field, "code": e.code, "message": m})
                        for field, problems in error_messages(exc)
                        for e, m in problems
                    ]
                    self._fail(row)
                    continue
                saved_rows.append(
                    (201 if model is None else 200, saved.version == version, saved, row)
                )
            if self.dry_run:
                transaction.set_rollback(True)
        for saved_row in saved_rows:  # after the commit: on_saved_row may fetch media
            self._saved(*saved_row)

    # Shared --------------------------------------------------------------------------------

    def _saved(self, status: int, unchanged: bool, entry, row: _Row) -> None:
        if status == 201:
            self.counts.created += 1
        elif unchanged:
            self.counts.unchanged += 1
        else:
            self.counts.updated += 1
        if self.on_saved_row and not self.dry_run:
            self.on_saved_row(entry, row.media)

    def _fail(self, row: _Row) -> None:
        self.counts.errors += 1
        if self.on_failed_row:
            self.on_failed_row(row.number, row.cells, row.errors)

    def _cell_error(self, row: _Row, error: dict) -> CellError:
        column = self._column(row, error["field"] or "")
        index = self.converter.column_index.get(column)
        value = row.cells[index] if index is not None and index < len(row.cells) else ""
        return CellError(row.number, column, value, error["code"] or "invalid", error["message"])

    def _column(self, row: _Row, field: str) -> str:
        columns = self.converter.field_columns
        if field in columns:
            return columns[field]
        if field.startswith("associations"):
            return self._link_column(row, field)
        base = field.split("[", 1)[0]
        if base in columns:
            return columns[base]
        if field == "values" and self.kind == "products":
            return ""  # the variant axes together
        return ""

    def _link_column(self, row: _Row, field: str) -> str:
        kind, index = _link_field(field)
        sides = (row.links or {}).get(kind, {})
        side = "products"
        if index is not None and index >= len(sides.get("products", [])):
            side = "product_models"
        return self.association_columns.get(
            (kind, side),
            next(iter(c for (k, _), c in self.association_columns.items() if k == kind), "")
            or next(iter(self.association_columns.values()), ""),
        )

    def _link_at(self, row: _Row, field: str) -> dict | None:
        kind, index = _link_field(field)
        sides = (row.links or {}).get(kind, {})
        links = sides.get("products", []) + sides.get("product_models", [])
        return links[index] if index is not None and index < len(links) else None


def _link_set(links: list[dict]) -> set:
    return {
        (
            "p" if "product" in link else "m",
            sku_key(link["product"]) if "product" in link else link["product_model"],
            link.get("quantity", 1),
        )
        for link in links
    }


def _link_payload(link: dict, quantified: bool) -> dict:
    """A link as the service takes it: stored links carry a quantity, which only quantified
    types take."""
    if quantified or "quantity" not in link:
        return link
    return {k: v for k, v in link.items() if k != "quantity"}


def _link_field(field: str) -> tuple[str, int | None]:
    """ "associations.x_sell[2]" -> ("x_sell", 2); "associations.x_sell" -> ("x_sell", None)."""
    rest = field[len("associations.") :] if field.startswith("associations.") else ""
    kind, _, index = rest.partition("[")
    index = index.rstrip("]")
    return kind, int(index) if index.isdigit() else None
