"""The naming rules' pattern language: `{sku}_{role}_{position}.{ext}` read into tokens, checked,
and compiled to an anchored, case-insensitive regular expression with named groups.

Identifiers (`sku`, `model`) are non-greedy, while `role`, `locale` and `channel` are
alternations of the codes that exist (`Vocabularies`), so `AB_1_hero.jpg` splits into SKU
`AB_1` and role `hero` under `{sku}_{role}.{ext}` although SKUs may hold `_`."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from governance.models import Channel, Locale, Term
from linking.services.links import ROLES_VOCABULARY

PARTS = ("sku", "model", "role", "position", "locale", "channel", "ext", "any")
IDENTIFIER = r"[A-Za-z0-9][A-Za-z0-9._-]*?"


def pattern_tokens(pattern: str) -> list[tuple[str, str]]:
    """The pattern as ("text", literal) and ("part", name) tokens; unbalanced braces raise."""
    tokens, literal, index = [], [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "{":
            end = pattern.find("}", index + 1)
            nested = pattern.find("{", index + 1)
            if end == -1 or -1 < nested < end:
                raise _unbalanced(index)
            if literal:
                tokens.append(("text", "".join(literal)))
                literal = []
            tokens.append(("part", pattern[index + 1 : end].strip()))
            index = end + 1
            continue
        if char == "}":
            raise _unbalanced(index)
        literal.append(char)
        index += 1
    if literal:
        tokens.append(("text", "".join(literal)))
    return tokens


def _unbalanced(index: int) -> ValidationError:
    return ValidationError(
        f"The braces do not pair up (character {index + 1}): write each part as {{name}}.",
        code="unbalanced_braces",
    )


def _pattern_problems(tokens: list[tuple[str, str]]) -> list[ValidationError]:
    problems = []
    names = [value for kind, value in tokens if kind == "part"]
    for name in dict.fromkeys(names):
        if name not in PARTS:
            problems.append(
                ValidationError(
                    f"Unknown part {{{name}}}: use {', '.join(PARTS)}.", code="unknown_part"
                )
            )
        elif name != "any" and names.count(name) > 1:
            problems.append(
                ValidationError(
                    f"{{{name}}} appears more than once: each part at most once.",
                    code="repeated_part",
                )
            )
    identifiers = [name for name in names if name in ("sku", "model")]
    if not identifiers:
        problems.append(
            ValidationError(
                "Name the product: the pattern needs {sku} or {model}.", code="identifier_missing"
            )
        )
    elif set(identifiers) == {"sku", "model"}:
        problems.append(
            ValidationError("Use {sku} or {model}, not both.", code="identifier_ambiguous")
        )
    last_kind, last = tokens[-1] if tokens else ("text", "")
    ends_with_ext = (
        last_kind == "part" and last == "ext" and len(tokens) > 1 and tokens[-2][1].endswith(".")
    )
    if not ends_with_ext and not (last_kind == "text" and re.search(r"\.[A-Za-z0-9]+\Z", last)):
        problems.append(
            ValidationError(
                "End the pattern with .{ext} or a literal extension such as .jpg.",
                code="extension_required",
            )
        )
    return problems


@dataclass(frozen=True)
class Vocabularies:
    """What `role`, `locale` and `channel` may match: each spelling (casefolded) → its code."""

    roles: dict[str, str]
    locales: dict[str, str]
    channels: dict[str, str]

    @classmethod
    def load(cls) -> "Vocabularies":
        roles = {}
        terms = Term.objects.filter(vocabulary__code=ROLES_VOCABULARY, is_deprecated=False)
        for code, labels in terms.values_list("code", "labels"):
            # The English label in snake or kebab case is accepted too ("Spin frame").
            english = [text for locale, text in labels.items() if locale.startswith("en")]
            for spelling in (code, *english):
                words = re.sub(r"[^0-9a-z]+", " ", spelling.casefold()).split()
                for joiner in ("_", "-"):
                    roles.setdefault(joiner.join(words), code)
        locales = {}
        for code in Locale.objects.filter(is_active=True).values_list("code", flat=True):
            locales[code.casefold()] = code
            locales[code.replace("_", "-").casefold()] = code
        channels = {}
        for code in Channel.objects.values_list("code", flat=True):
            channels[code] = code
            channels[code.replace("_", "-")] = code
        return cls(roles, locales, channels)

    def role_for(self, text: str) -> str | None:
        return self.roles.get(text.casefold())


def _alternation(name: str, spellings) -> str:
    # Longest first, so `spin_frame` is tried before a shorter code it starts with.
    ordered = sorted(spellings, key=lambda text: (-len(text), text))
    return f"(?P<{name}>{'|'.join(re.escape(text) for text in ordered) or '(?!)'})"


def pattern_regex(tokens: list[tuple[str, str]], vocabularies: Vocabularies) -> re.Pattern:
    """The anchored, case-insensitive expression of a valid pattern's tokens."""
    pieces = {
        "sku": f"(?P<sku>{IDENTIFIER})",
        "model": f"(?P<model>{IDENTIFIER})",
        "role": _alternation("role", vocabularies.roles),
        "position": "(?P<position>[0-9]{1,9})",
        "locale": _alternation("locale", vocabularies.locales),
        "channel": _alternation("channel", vocabularies.channels),
        "ext": "(?P<ext>[A-Za-z0-9]+)",
        "any": ".*?",
    }
    body = "".join(re.escape(value) if kind == "text" else pieces[value] for kind, value in tokens)
    return re.compile(f"^{body}\\Z", re.IGNORECASE)


def pattern_validate(
    *, pattern: str, default_role: str, vocabularies: Vocabularies
) -> list[tuple[str, str]]:
    """The pattern's tokens when the pattern and default role make a usable rule; otherwise a
    ValidationError naming every problem (fields `pattern` and `default_role`)."""
    errors: dict[str, list[ValidationError]] = {}
    tokens: list[tuple[str, str]] = []
    if not isinstance(pattern, str) or not pattern.strip():
        errors["pattern"] = [ValidationError("A pattern is required.", code="required")]
    else:
        try:
            tokens = pattern_tokens(pattern)
        except ValidationError as exc:
            errors["pattern"] = [exc]
        else:
            problems = _pattern_problems(tokens)
            if problems:
                errors["pattern"] = problems
    has_role_part = ("part", "role") in tokens
    if default_role and default_role not in vocabularies.roles.values():
        errors["default_role"] = [
            ValidationError(
                f"{default_role!r} is not a media role that may be chosen.", code="unknown_role"
            )
        ]
    elif not default_role and tokens and not has_role_part:
        errors["default_role"] = [
            ValidationError(
                "The pattern has no {role}: choose the role its files get.", code="role_required"
            )
        ]
    if not errors:
        try:
            pattern_regex(tokens, vocabularies)
        except re.error as exc:
            errors["pattern"] = [
                ValidationError(f"The pattern does not compile: {exc}.", code="invalid_regex")
            ]
    if errors:
        raise ValidationError(errors)
    return tokens
