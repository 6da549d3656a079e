"""application/x-ndjson: one JSON document per line, in and out."""

import orjson
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer

from governance.api.parsers import NUL_MESSAGE, nul_path

MAX_LINES = 1000


class TooManyLines(APIException):
    status_code = 413
    default_code = "too_many_lines"
    default_detail = f"At most {MAX_LINES} lines per request; split the batch."


class NDJSONParser(BaseParser):
    """Reads line by line from the request stream into (line number, document) pairs; a line
    that is not JSON carries a `ParseError` instead, so the other lines still go through."""

    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        items = []
        for number, raw in enumerate(stream, start=1):
            line = raw.strip()
            if not line:
                continue
            if len(items) >= MAX_LINES:
                raise TooManyLines()
            try:
                document = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                items.append((number, ParseError(f"Line {number} is not JSON: {exc}")))
                continue
            path = nul_path(document)
            if path:  # that line refused, as one that is not JSON: the others go through
                document = ParseError(f"Line {number}, {path}: {NUL_MESSAGE}")
            items.append((number, document))
        return items


class NDJSONRenderer(BaseRenderer):
    media_type = "application/x-ndjson"
    format = "ndjson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        lines = data if isinstance(data, list) else [data]
        return b"".join(orjson.dumps(line) + b"\n" for line in lines)
