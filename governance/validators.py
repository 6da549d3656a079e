"""Rules on the shared language's codes, used by models, services and every entry point."""

from django.core.validators import RegexValidator

validate_locale_code = RegexValidator(
    r"^[a-z]{2,3}(_[A-Z][a-z]{3})?(_[A-Z]{2})?\Z",
    "A locale code is a language, an optional script and an optional region: en_US, fr_FR, "
    "zh_Hant_TW.",
    code="invalid_locale_code",
)
validate_currency_code = RegexValidator(
    r"^[A-Z]{3}\Z",
    "A currency code is three capital letters (ISO 4217): EUR, USD.",
    code="invalid_currency_code",
)
validate_code = RegexValidator(
    r"^[a-z][a-z0-9_]{0,99}\Z",
    "A code starts with a lowercase letter and holds only lowercase letters, digits and _.",
    code="invalid_code",
)
