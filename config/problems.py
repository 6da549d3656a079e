"""Errors as application/problem+json (RFC 9457), for DRF views and for any /api/ path.

Every body carries `type`, `title`, `status`, `detail`, `instance`, the request id, and — for
validation failures — `errors`: one entry per broken rule with the exact field path.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.defaults import bad_request, page_not_found, permission_denied, server_error
from django_guid import get_guid
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:tessera:problem:"
logger = logging.getLogger(__name__)

TITLES = {
    400: "Malformed request",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem(*, status_code, code, detail="", instance="", errors=None):
    """The problem document for one error."""
    body = {
        "type": f"{TYPE_PREFIX}{code}",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": str(detail),
        "instance": instance,
        "request_id": get_guid(),
    }
    if errors is not None:
        body["errors"] = errors
    return body


def flatten_errors(detail, path=""):
    """DRF or Django error trees as a flat list of {field, code, message}."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            is_form_level = key in ("non_field_errors", "__all__")
            child = path if is_form_level else (f"{path}.{key}" if path else str(key))
            out.extend(flatten_errors(value, child))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, dict | list) for item in detail) and detail:
            out = []
            for index, item in enumerate(detail):
                out.extend(flatten_errors(item, f"{path}[{index}]"))
            return out
        return [e for item in detail for e in flatten_errors(item, path)]
    return [
        {"field": path or None, "code": getattr(detail, "code", "invalid"), "message": str(detail)}
    ]


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            field: [exceptions.ErrorDetail(m, code=e.code or "invalid") for e in errors for m in e]
            for field, errors in exc.error_dict.items()
        }
    return [exceptions.ErrorDetail(m, code=e.code or "invalid") for e in exc.error_list for m in e]


def exception_handler(exc, context):
    """DRF's exception handler, speaking problem+json; validation failures answer 422."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's handler500 answers, and the error is logged

    request = context.get("request")
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = f"{exc.wait:.0f}"

    if isinstance(exc, exceptions.ValidationError):
        status_code, code = status.HTTP_422_UNPROCESSABLE_ENTITY, "validation-failed"
        errors = flatten_errors(exc.detail)
        detail = f"{len(errors)} field error(s): " + "; ".join(
            f"{e['field'] or 'request'}: {e['message']}" for e in errors[:5]
        )
    else:
        status_code = exc.status_code
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        code = code.replace("_", "-")
        # An exception may name its own field errors (e.g. each refused file of an upload).
        errors, detail = getattr(exc, "errors", None), exc.detail

    set_rollback()
    body = problem(
        status_code=status_code,
        code=code,
        detail=detail,
        instance=request.get_full_path() if request else "",
        errors=errors,
    )
    # RFC 9457 extension members an exception brings (e.g. an import's report); never a
    # standard member.
    extensions = getattr(exc, "extensions", None) or {}
    body.update({key: value for key, value in extensions.items() if key not in body})
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _is_api(request):
    return request.path.startswith("/api/")


def _problem_response(request, status_code, code, detail):
    body = problem(
        status_code=status_code, code=code, detail=detail, instance=request.get_full_path()
    )
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


# Django-level handlers: errors raised outside DRF views (unknown /api/ URLs, bugs) still
# answer problem+json on the API and the usual HTML pages elsewhere.
def handler400(request, exception):
    if _is_api(request):
        return _problem_response(request, 400, "bad-request", "The request could not be read.")
    return bad_request(request, exception)


def handler403(request, exception):
    if _is_api(request):
        return _problem_response(request, 403, "permission-denied", "Permission denied.")
    return permission_denied(request, exception)


def handler404(request, exception):
    if _is_api(request):
        return _problem_response(request, 404, "not-found", f"No resource at {request.path}.")
    return page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return _problem_response(
            request,
            500,
            "internal-error",
            "Something went wrong on our side; quote the request_id.",
        )
    return server_error(request)
