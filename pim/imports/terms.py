"""Unknown vocabulary terms met by an import with create_terms: created through governance's
services, or, for a governed vocabulary, proposed as a change request (the cell fails meanwhile).
A dry run creates nothing: it validates against a copy of the catalog that knows the terms."""

import dataclasses

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from governance import services as governance
from governance.change_requests import change_request_submit
from governance.models import ChangeKind, ChangeRequest, ChangeRequestStatus, Vocabulary
from governance.validators import validate_code
from pim import selectors
from pim.catalog import Catalog
from pim.imports.cells import RowConverter
from pim.imports.columns import SELECTS, CellError
from pim.validators import ValueContext
from pim.values import value_path


class NewTerms:
    """Settles the unknown terms of each batch before it is validated."""

    def __init__(self, converter: RowConverter, catalog: Catalog, *, dry_run: bool):
        self.converter, self.catalog, self.dry_run = converter, catalog, dry_run
        self.select_slots = [
            slot
            for slot in converter.slot_list
            if catalog.attributes[slot.attribute].type in SELECTS
        ]
        self.proposed: set[tuple[str, str]] = set()
        self.overlay: Catalog | None = None  # a dry run's catalog with the terms it would create

    def settle(self, rows: list) -> Catalog:
        """Codes (or labels) of no term: created in their vocabulary, or, in a governed one,
        proposed as a change request while the cell fails. Returns the catalog to validate
        the rows with."""
        catalog = self.overlay or self.catalog
        wanted: dict[tuple[str, str], list] = {}
        for slot in self.select_slots:
            attribute = catalog.attributes[slot.attribute]
            vocabulary = attribute.vocabulary.code if attribute.vocabulary_id else ""
            known = catalog.context.terms.get(vocabulary, {})
            column = self.converter.field_columns[
                value_path(slot.attribute, slot.channel, slot.locale)
            ]
            for row in rows:
                for entry in row.item.get("values", {}).get(slot.attribute, ()):
                    if entry["channel"] != slot.channel or entry["locale"] != slot.locale:
                        continue
                    data = entry["data"]
                    for code in data if isinstance(data, list) else [data]:
                        if isinstance(code, str) and code not in known:
                            wanted.setdefault((vocabulary, code), []).append((row, column))
        labels, self.converter.new_labels = self.converter.new_labels, {}
        if not wanted:
            return catalog
        vocabularies = {
            v.code: v for v in Vocabulary.objects.filter(code__in={v for v, _ in wanted})
        }
        created: dict[str, set[str]] = {}
        for (vocabulary_code, code), uses in wanted.items():
            vocabulary = vocabularies.get(vocabulary_code)
            names = labels.get((vocabulary_code, code), {})
            if vocabulary is None:
                continue
            if vocabulary.is_governed:
                message = self._propose(vocabulary, code, names)
                for row, column in uses:
                    row.errors.append(CellError(row.number, column, code, "proposed", message))
                continue
            problem = None
            if self.dry_run:
                problem = _code_problem(code)
            else:
                try:
                    with transaction.atomic():
                        governance.term_create(vocabulary=vocabulary, code=code, labels=names)
                except ValidationError as exc:
                    problem = "; ".join(m for _, ms in error_messages(exc) for _, m in ms)
            if problem:
                for row, column in uses:
                    row.errors.append(
                        CellError(row.number, column, code, "term_not_created", problem)
                    )
                continue
            created.setdefault(vocabulary_code, set()).add(code)
            for locale, label in names.items():
                self.converter.term_labels.setdefault((vocabulary_code, locale), {})[
                    label.casefold()
                ] = code
        if created:
            self._reload(created)
        return self.overlay or self.catalog

    def _propose(self, vocabulary: Vocabulary, code: str, labels: dict) -> str:
        message = (
            f"{code!r} is not a term of the governed vocabulary {vocabulary.code}: "
            "proposed for review (a change request); import the row again once it is approved."
        )
        if self.dry_run:
            return message.replace("proposed for review", "it would be proposed for review")
        if (vocabulary.code, code) in self.proposed:
            return message
        self.proposed.add((vocabulary.code, code))
        pending = ChangeRequest.objects.filter(
            vocabulary=vocabulary,
            kind=ChangeKind.ADD,
            status=ChangeRequestStatus.PENDING,
            payload__code=code,
        ).exists()
        if not pending:
            payload = {"code": code, **({"labels": labels} if labels else {})}
            try:
                with transaction.atomic():
                    change_request_submit(
                        vocabulary=vocabulary,
                        kind=ChangeKind.ADD,
                        payload=payload,
                        reason="Proposed by a product import.",
                    )
            except ValidationError as exc:
                problem = "; ".join(m for _, ms in error_messages(exc) for _, m in ms)
                return f"{code!r} could not be proposed for {vocabulary.code}: {problem}"
        return message

    def _reload(self, created: dict[str, set[str]]) -> None:
        if not self.dry_run:
            self.catalog = selectors.catalog_load()
            self.overlay = None
            return
        # Nothing written in a dry run: validate against a copy that knows the new terms.
        base = self.overlay or self.catalog
        terms = dict(base.context.terms)
        for vocabulary, codes in created.items():
            terms[vocabulary] = {**terms.get(vocabulary, {}), **dict.fromkeys(codes, False)}
        self.overlay = dataclasses.replace(
            base,
            context=ValueContext(terms=terms, active_currencies=base.context.active_currencies),
            rules={},
            requirement_keys={},
        )


def _code_problem(code: str) -> str | None:
    try:
        validate_code(code)
    except ValidationError as exc:
        return exc.messages[0]
    return None


def error_messages(exc: ValidationError):
    """(field, [(error, message)]) pairs of a ValidationError, NON_FIELD_ERRORS as None."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            yield (
                None if field == NON_FIELD_ERRORS else field,
                [(e, m) for e in errors for m in e.messages],
            )
    else:
        yield None, [(e, m) for e in exc.error_list for m in e.messages]
