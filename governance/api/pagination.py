from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Keyset pagination on a stable, unique ordering; clients may ask for up to 1,000 rows."""

    ordering = "pk"
    page_size_query_param = "page_size"
    max_page_size = 1000


class CodeCursorPagination(IdCursorPagination):
    """For resources addressed by an immutable unique code."""

    ordering = "code"


class TermCursorPagination(IdCursorPagination):
    """Terms in the order a picker shows them. The cursor keys on sort_order (repeated values
    are walked with an offset), so reordering terms while paging may skip or repeat one."""

    ordering = ("sort_order", "code")
