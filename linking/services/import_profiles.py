"""Import profiles: saved column mappings for foreign spreadsheets. The mapping's shape is checked
strictly here (one place for the API, the admin and the workbench); whether its attributes,
locales and channels exist is the import's header check (pim.imports.header_resolve), run
against the file's actual header."""

from django.core.exceptions import ValidationError
from django.db import transaction

from governance.audit import audit_change, audit_delete, current_actor, model_state
from linking.models import ImportKind, ImportProfile

FIELDS = ("code", "label", "kind", "mapping")
TARGETS = (
    "sku", "code", "family", "family_variant", "parent", "categories", "enabled", "groups",
    "association", "value", "unit", "media_url", "ignore",
)  # fmt: skip
SCOPE_KEYS = ("attribute", "locale", "channel", "currency", "association", "role")
# Each transform's parameters: name → (required, optional).
TRANSFORMS = {
    "trim": ((), ()),
    "split": (("separator",), ()),
    "unit": (("unit",), ()),
    "date": (("format",), ()),
    "term_label": (("locale",), ()),
}
# What each target needs besides itself.
REQUIRED_KEYS = {"value": ("attribute",), "unit": ("attribute",), "media_url": ("role",)}
REQUIRED_KEYS["association"] = ("association",)


def _error(errors: dict, path: str, message: str, code: str = "invalid") -> None:
    errors.setdefault(path, []).append(ValidationError(message, code=code))


def _transforms_check(transforms, path: str, errors: dict) -> None:
    if not isinstance(transforms, list):
        _error(errors, path, "Expected a list of transforms.")
        return
    for index, transform in enumerate(transforms):
        where = f"{path}[{index}]"
        if not isinstance(transform, dict):
            _error(errors, where, 'Expected an object such as {"name": "trim"}.')
            continue
        name = transform.get("name")
        if name not in TRANSFORMS:
            _error(
                errors,
                f"{where}.name",
                f"Unknown transform {name!r}; one of: {', '.join(TRANSFORMS)}.",
                "unknown",
            )
            continue
        required, optional = TRANSFORMS[name]
        for key in sorted(set(transform) - {"name", *required, *optional}):
            _error(errors, f"{where}.{key}", f"The {name} transform has no {key!r}.", "unknown")
        for key in (*required, *optional):
            value = transform.get(key)
            if key in required and value in (None, ""):
                _error(errors, f"{where}.{key}", f"The {name} transform needs {key!r}.", "required")
            elif value is not None and not isinstance(value, str):
                _error(errors, f"{where}.{key}", "Expected text.")


def _column_check(column, spec, errors: dict, prefix: str) -> None:
    path = f"{prefix}.columns.{column}"
    if not isinstance(column, str) or not column.strip():
        _error(errors, f"{prefix}.columns", "A column name must be non-empty text.")
        return
    if not isinstance(spec, dict):
        _error(errors, path, 'Expected an object such as {"target": "ignore"}.')
        return
    for key in sorted(set(spec) - {"target", "transforms", *SCOPE_KEYS}):
        _error(errors, f"{path}.{key}", "Unknown field.", "unknown_field")
    target = spec.get("target")
    if target not in TARGETS:
        _error(
            errors,
            f"{path}.target",
            f"Unknown target {target!r}; one of: {', '.join(TARGETS)}.",
            "unknown" if target else "required",
        )
    for key in SCOPE_KEYS:
        value = spec.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            _error(errors, f"{path}.{key}", "Expected non-empty text or null.")
    for key in REQUIRED_KEYS.get(target, ()):
        if not spec.get(key):
            _error(errors, f"{path}.{key}", f"A {target} column needs {key!r}.", "required")
    if "transforms" in spec:
        _transforms_check(spec["transforms"], f"{path}.transforms", errors)


def mapping_errors(mapping, *, prefix: str = "mapping") -> dict[str, list[ValidationError]]:
    """The shape errors of a mapping ({"columns": {source column: target}}), by field path."""
    errors: dict[str, list[ValidationError]] = {}
    if not isinstance(mapping, dict):
        _error(errors, prefix, 'Expected an object such as {"columns": {…}}.')
        return errors
    for key in sorted(set(mapping) - {"columns"}):
        _error(errors, f"{prefix}.{key}", "Unknown field.", "unknown_field")
    columns = mapping.get("columns", {})
    if not isinstance(columns, dict):
        _error(errors, f"{prefix}.columns", "Expected an object: source column → target.")
        return errors
    for column, spec in columns.items():
        _column_check(column, spec, errors, prefix)
    return errors


def mapping_clean(mapping, *, prefix: str = "mapping") -> dict:
    """The mapping with its column targets normalised (scope keys present, transforms a list);
    raises ValidationError naming each broken field."""
    errors = mapping_errors(mapping, prefix=prefix)
    if errors:
        raise ValidationError(errors)
    columns = {}
    for column, spec in mapping.get("columns", {}).items():
        clean = {"target": spec["target"]}
        clean.update({key: spec.get(key) or None for key in SCOPE_KEYS})
        clean["transforms"] = [dict(t) for t in spec.get("transforms", [])]
        columns[column] = clean
    return {"columns": columns}


@transaction.atomic
def import_profile_save(*, changes: dict, profile: ImportProfile | None = None) -> ImportProfile:
    """Create (`profile` None; `changes` carries the code) or change an import profile after
    checking its mapping's shape. Audited."""
    errors: dict[str, list[ValidationError]] = {}
    for name in sorted(set(changes) - set(FIELDS)):
        _error(errors, name, "Unknown field.", "unknown_field")
    before = model_state(profile, FIELDS) if profile is not None else None
    if profile is None:
        profile = ImportProfile(created_by=current_actor().user)
    elif "code" in changes and changes["code"] != profile.code:
        _error(errors, "code", "This field cannot be changed.", "read_only")
    for name in ("code", "label", "kind"):
        if name in changes and name not in errors:
            value = changes[name]
            setattr(profile, name, value.strip() if isinstance(value, str) else value)
    if "mapping" in changes:
        try:
            profile.mapping = mapping_clean(changes["mapping"])
        except ValidationError as exc:
            for name, problems in exc.error_dict.items():
                errors.setdefault(name, []).extend(problems)
    try:
        profile.full_clean(exclude=["mapping", "created_by"])
    except ValidationError as exc:
        for name, problems in exc.error_dict.items():
            errors.setdefault(name, []).extend(problems)
    if errors:
        raise ValidationError(errors)
    profile.save()
    audit_change(obj=profile, before=before, after=model_state(profile, FIELDS))
    return profile


@transaction.atomic
def import_profile_delete(*, profile: ImportProfile) -> None:
    """Delete an import profile (jobs that used it keep a copy of its mapping). Audited."""
    audit_delete(obj=profile, before=model_state(profile, FIELDS))
    profile.delete()


def import_profile_for(*, code: str, kind: str = ImportKind.PRODUCTS) -> ImportProfile:
    """The profile named `code` for this kind of import; a ValidationError on `profile` when
    there is none."""
    profile = ImportProfile.objects.filter(code=code).first()
    if profile is None:
        raise ValidationError(
            {"profile": [ValidationError(f"There is no import profile {code!r}.", code="unknown")]}
        )
    if profile.kind != kind:
        raise ValidationError(
            {
                "profile": [
                    ValidationError(
                        f"Profile {code!r} maps {profile.get_kind_display()}, not {kind}.",
                        code="wrong_kind",
                    )
                ]
            }
        )
    return profile
