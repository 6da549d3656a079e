"""JSON request bodies, refused at the door when a text holds NUL: PostgreSQL can neither store
nor compare it, so such a text can never name or become anything (a 422 naming the field, not
a database error halfway through a write)."""

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ValidationError

NUL_MESSAGE = "Text cannot contain the NUL character (\\u0000)."


def nul_path(data: Any, path: str = "") -> str | None:
    """The path (`a.b[2]`) of the first text in a parsed JSON document that holds NUL."""
    if isinstance(data, str):
        return (path or "body") if "\x00" in data else None
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here
            found = nul_path(value, here)
            if found:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = nul_path(value, f"{path}[{index}]")
            if found:
                return found
    return None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a text that holds NUL with a 422 on its field."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        path = nul_path(data)
        if path:
            raise ValidationError({path: [NUL_MESSAGE]}, code="nul_character")
        return data
