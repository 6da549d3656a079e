"""Naming rules: file-name patterns such as `{sku}_{role}_{position}.{ext}` whose named parts say
which product or product model an uploaded file shows, in which role, place, locale and channel.

The pattern language is in `naming_patterns`. Rules and the codes they match against are loaded
once per batch (`NamingRules.load()`: an upload's file, a relink job, a tester call), so a
change to roles, locales or channels applies from the next batch on, with no cache to invalidate.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dam import services as dam_services
from dam.models import Asset, Tag, TagSource
from governance.audit import audit_change, audit_delete, model_state
from linking.models import NamingRule, ProductAssetLink
from linking.services.links import link_add
from linking.services.naming_patterns import Vocabularies, pattern_regex, pattern_validate
from pim.models import Product, ProductModel
from pim.services.products import sku_key

FIELDS = ("code", "pattern", "priority", "description", "default_role", "is_active")
# `naming-rules/test` is the tester's URL: a rule of that code could not be addressed.
RESERVED_CODES = {"test"}

LINKABLE, NO_RULE, UNKNOWN_SKU, AMBIGUOUS = "linkable", "no_rule", "unknown_sku", "ambiguous"


@dataclass(frozen=True)
class NameMatch:
    """What a rule read from a file name: the parts as written and what they mean."""

    rule: NamingRule
    parts: dict[str, str]
    identifier_part: str  # "sku" or "model"
    identifier: str
    role: str
    position: int | None
    locale: str | None
    channel: str | None

    def tags(self) -> list[str]:
        """The asset tags the parts give, named like dam names tags (lowercase `part:value`)."""
        values = {
            self.identifier_part: self.identifier,
            "role": self.role,
            "position": None if self.position is None else str(self.position),
            "locale": self.locale,
            "channel": self.channel,
        }
        return [f"{name}:{value}".lower()[:100] for name, value in values.items() if value]


@dataclass(frozen=True)
class Resolution:
    """What a file name yields: a rule's match, the product or product model it names, and the
    outcome (`linkable`, `no_rule`, `unknown_sku`, `ambiguous`) with a message for people."""

    filename: str
    outcome: str
    message: str
    match: NameMatch | None = None
    product: Product | None = None
    product_model: ProductModel | None = None

    @property
    def target(self) -> dict | None:
        if self.product is not None:
            return {"type": "product", "sku": self.product.sku}
        if self.product_model is not None:
            return {"type": "product_model", "code": self.product_model.code}
        return None

    def as_dict(self) -> dict:
        match = self.match
        return {
            "matched": match is not None,
            "rule": match.rule.code if match and match.rule.pk else None,
            "parts": dict(match.parts) if match else {},
            "outcome": self.outcome,
            "target": self.target,
            "role": match.role if match else None,
            "position": match.position if match else None,
            "locale": match.locale if match else None,
            "channel": match.channel if match else None,
            "message": self.message,
        }


@dataclass
class NamingRules:
    """Rules compiled for one batch, tried in order; the first whose expression matches wins."""

    rules: list[tuple[NamingRule, re.Pattern]] = field(default_factory=list)
    vocabularies: Vocabularies | None = None

    @classmethod
    def load(cls, *, codes: list[str] | None = None) -> "NamingRules":
        """The active rules (only those named by `codes`, when given), by priority then code."""
        rules = NamingRule.objects.filter(is_active=True)
        if codes is not None:
            rules = rules.filter(code__in=codes)
        return cls.of(list(rules.order_by("priority", "code")))

    @classmethod
    def of(cls, rules: list[NamingRule]) -> "NamingRules":
        """These rules (saved or not), compiled; a rule that no longer validates is left out."""
        if not rules:
            return cls()
        vocabularies = Vocabularies.load()
        compiled = []
        for rule in rules:
            try:
                tokens = pattern_validate(
                    pattern=rule.pattern, default_role=rule.default_role, vocabularies=vocabularies
                )
            except ValidationError:  # its default role was deprecated since it was saved
                continue
            compiled.append((rule, pattern_regex(tokens, vocabularies)))
        return cls(compiled, vocabularies)

    def parse(self, filename: str) -> NameMatch | None:
        """The first rule's reading of the file's base name (folders are ignored)."""
        name = re.split(r"[/\\]", filename or "")[-1].strip()
        for rule, regex in self.rules:
            found = regex.match(name)
            if found is None:
                continue
            parts = {key: value for key, value in found.groupdict().items() if value is not None}
            identifier_part = "sku" if "sku" in parts else "model"
            vocabularies = self.vocabularies
            return NameMatch(
                rule=rule,
                parts=parts,
                identifier_part=identifier_part,
                identifier=parts[identifier_part],
                role=vocabularies.role_for(parts["role"]) if "role" in parts else rule.default_role,
                position=int(parts["position"]) if "position" in parts else None,
                locale=vocabularies.locales.get(parts.get("locale", "").casefold()),
                channel=vocabularies.channels.get(parts.get("channel", "").casefold()),
            )
        return None

    def resolve_many(self, filenames: list[str]) -> list[Resolution]:
        """Each name's resolution; the products and product models they name are found with
        two queries for the whole list. Never guessed: an identifier must exist as written
        (case aside), and one that names a product and a product model is ambiguous."""
        matches = [self.parse(name) for name in filenames]
        found = [m for m in matches if m is not None]
        skus = {sku_key(m.identifier) for m in found if m.identifier_part == "sku"}
        products = {
            p.sku_key: p for p in Product.objects.filter(sku_key__in=skus).only("sku", "sku_key")
        }
        codes = {m.identifier.casefold() for m in found}
        models = (
            {m.code: m for m in ProductModel.objects.filter(code__in=codes).only("code")}
            if codes
            else {}
        )
        return [
            _resolution(name, match, products, models)
            for name, match in zip(filenames, matches, strict=True)
        ]

    def resolve(self, filename: str) -> Resolution:
        return self.resolve_many([filename])[0]


def _resolution(filename, match, products, models) -> Resolution:
    if match is None:
        return Resolution(filename, NO_RULE, f"No naming rule matches {filename!r}.")
    product = products.get(sku_key(match.identifier)) if match.identifier_part == "sku" else None
    product_model = models.get(match.identifier.casefold())
    identifier = match.identifier
    if product is not None and product_model is not None:
        return Resolution(
            filename,
            AMBIGUOUS,
            f"{identifier!r} is both a product and a product model: not linked.",
            match,
        )
    if product is None and product_model is None:
        kind = "product or product model" if match.identifier_part == "sku" else "product model"
        return Resolution(filename, UNKNOWN_SKU, f"No {kind} {identifier!r}: not linked.", match)
    target = f"product {product.sku!r}" if product else f"product model {product_model.code!r}"
    where = "" if match.position is None else f", position {match.position}"
    return Resolution(
        filename,
        LINKABLE,
        f"Links to {target} as {match.role}{where} (rule {match.rule.code!r}).",
        match,
        product,
        product_model,
    )


def name_parse(filename: str) -> NameMatch | None:
    """The first active rule's reading of a file name, or None."""
    return NamingRules.load().parse(filename)


def name_resolve(filename: str) -> Resolution:
    """What the active rules make of a file name: target, role, position, scope and outcome."""
    return NamingRules.load().resolve(filename)


def rules_for_test(
    *, pattern: str | None = None, default_role: str = "", rule: str | None = None
) -> NamingRules:
    """The rules the tester applies: an unsaved pattern, one rule (active or not), or all active
    rules. A bad pattern or an unknown rule raises ValidationError."""
    if pattern is not None:
        pattern_validate(
            pattern=pattern, default_role=default_role, vocabularies=Vocabularies.load()
        )
        return NamingRules.of([NamingRule(code="", pattern=pattern, default_role=default_role)])
    if rule is not None:
        found = NamingRule.objects.filter(code=rule).first()
        if found is None:
            raise ValidationError(
                {"rule": [ValidationError(f"There is no naming rule {rule!r}.", code="unknown")]}
            )
        return NamingRules.of([found])
    return NamingRules.load()


@transaction.atomic
def naming_rule_save(*, changes: dict, rule: NamingRule | None = None) -> NamingRule:
    """Create (`rule` None; `changes` carries the code) or change a naming rule after checking
    its pattern compiles to a usable rule. Audited."""
    changes = dict(changes)
    errors: dict[str, list[ValidationError]] = {}
    unknown = sorted(set(changes) - set(FIELDS))
    for name in unknown:
        errors[name] = [ValidationError("Unknown field.", code="unknown_field")]
    before = model_state(rule, FIELDS) if rule is not None else None
    if rule is None:
        rule = NamingRule()
    elif "code" in changes and changes["code"] != rule.code:
        errors["code"] = [ValidationError("This field cannot be changed.", code="read_only")]
    for name in FIELDS:
        if name in changes and name not in errors:
            value = changes[name]
            setattr(rule, name, value.strip() if isinstance(value, str) else value)
    if rule.code in RESERVED_CODES:
        errors["code"] = [ValidationError(f"{rule.code!r} is reserved.", code="reserved")]
    try:
        rule.full_clean()
    except ValidationError as exc:
        for name, problems in exc.error_dict.items():
            errors.setdefault(name, []).extend(problems)
    if "pattern" not in errors and "default_role" not in errors:
        try:
            pattern_validate(
                pattern=rule.pattern,
                default_role=rule.default_role,
                vocabularies=Vocabularies.load(),
            )
        except ValidationError as exc:
            for name, problems in exc.error_dict.items():
                errors.setdefault(name, []).extend(problems)
    if errors:
        raise ValidationError(errors)
    rule.save()
    audit_change(obj=rule, before=before, after=model_state(rule, FIELDS))
    return rule


@transaction.atomic
def naming_rule_delete(*, rule: NamingRule) -> None:
    """Delete a naming rule (links it made stay: they name it only as their origin). Audited."""
    audit_delete(obj=rule, before=model_state(rule, FIELDS))
    rule.delete()


def _scope(name: str, code: str | None) -> dict:
    return {f"{name}__code": code} if code else {f"{name}__isnull": True}


def _insert_position(resolution: Resolution) -> int | None:
    """Where a numbered file goes among the role's links: before the first sibling whose file
    carried a larger number (its `position:` tag), so files uploaded out of order still end up
    in number order. None (append) without a number or a larger sibling."""
    match = resolution.match
    if match.position is None:
        return None
    owner = (
        {"product": resolution.product}
        if resolution.product is not None
        else {"product_model": resolution.product_model}
    )
    siblings = list(
        ProductAssetLink.objects.filter(**owner, role=match.role)
        .filter(**_scope("locale", match.locale), **_scope("channel", match.channel))
        .order_by("position", "id")
        .values_list("asset_id", "position")
    )
    numbers = {}
    for asset_id, name in Tag.objects.filter(
        asset_id__in=[asset_id for asset_id, _ in siblings],
        source=TagSource.AUTO,
        name__startswith="position:",
    ).values_list("asset_id", "name"):
        digits = name.partition(":")[2]
        if digits.isdigit():
            numbers[asset_id] = int(digits)
    for asset_id, position in siblings:
        if numbers.get(asset_id, -1) > match.position:
            return position
    return None


@transaction.atomic
def asset_naming_apply(*, asset: Asset, resolution: Resolution) -> dict:
    """Tag the asset with what a rule read in its name and, when the name is linkable, link it
    through `link_add` on behalf of the rule. Returns the resolution as a report with `linked`
    and `link` (the link's id). A link the link service refuses is reported, never raised: the
    upload it comes from stays."""
    report = {**resolution.as_dict(), "linked": False, "link": None}
    match = resolution.match
    if match is None:
        return report
    names = match.tags()
    Tag.objects.bulk_create(
        [Tag(asset=asset, name=name, source=TagSource.AUTO) for name in names],
        ignore_conflicts=True,
    )
    Asset.objects.filter(pk=asset.pk).update(
        search_text=dam_services.search_text(asset), updated_at=timezone.now()
    )
    if resolution.outcome != LINKABLE:
        return report
    try:
        created = link_add(
            asset=asset,
            product=resolution.product,
            product_model=resolution.product_model,
            role=match.role,
            position=_insert_position(resolution),
            locale=match.locale,
            channel=match.channel,
            naming_rule=match.rule.code,
        )
    except ValidationError as exc:
        report["message"] = f"Not linked: {' '.join(exc.messages)}"
        return report
    report.update(linked=True, link=created.pk)
    return report
