"""OpenAPI schema additions drf-spectacular cannot infer from the views."""

from config.problems import PROBLEM_CONTENT_TYPE

PROBLEM = {
    "type": "object",
    "description": "An error (RFC 9457). Validation failures list every broken rule in `errors`.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string", "nullable": True},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "code", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}


def problem_responses(result, generator, request, public):
    """Every operation may answer a client error, always as problem+json: say so in the schema,
    so clients (and schema checks) know the shape of a 4xx."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    reference = {"$ref": "#/components/schemas/Problem"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault(
                "4XX",
                {
                    "description": "A client error, as application/problem+json.",
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": reference}},
                },
            )
    return result
