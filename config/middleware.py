"""Request checks that hold for every API route."""

from config.problems import _is_api, _problem_response


def refuse_nul_in_query(get_response):
    """A NUL character in an /api/ query string is a 400: PostgreSQL text cannot hold one, so no
    parameter with it can match anything, and passed on to a query it is a database error."""

    def middleware(request):
        if _is_api(request) and "%00" in request.META.get("QUERY_STRING", ""):
            return _problem_response(
                request, 400, "bad-request", "A query parameter holds a NUL (%00) character."
            )
        return get_response(request)

    return middleware
