"""The audit trail in the admin: an object's "History" page lists its audit records, and the
records themselves can be browsed (never added, changed or deleted: they are append-only)."""

import orjson
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from governance.audit import actor_kind, history
from governance.models import AuditRecord

HISTORY_LIMIT = 200


def shown(value) -> str:
    """A diff side as a reader reads it: text as is, anything else as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def change_rows(changes: dict) -> list[tuple[str, str, str]]:
    """(field, old, new) per changed field; a note that is not a pair is shown as the new side."""
    rows = []
    for name, pair in (changes or {}).items():
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        rows.append((name, shown(old), shown(new)))
    return rows


class AuditHistoryMixin:
    """A ModelAdmin whose "History" page shows the audit trail of the object (who, when, which
    request, what changed) rather than the admin's own log, which misses API and import writes."""

    audit_history_template = "admin/governance/audit_history.html"

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        rows = list(history(obj).defer("state")[: HISTORY_LIMIT + 1])
        for record in rows:
            record.actor_kind = actor_kind(record)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {obj}",
            "subtitle": None,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            "records": [(record, change_rows(record.changes)) for record in rows[:HISTORY_LIMIT]],
            "truncated": len(rows) > HISTORY_LIMIT,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.audit_history_template, context)


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read-only: the application never changes or deletes a record."""

    list_display = ["created_at", "action", "content_type", "object_repr", "actor_label"]
    list_filter = ["action", "content_type"]
    list_select_related = ["content_type"]
    search_fields = ["object_repr", "actor_label", "request_id"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "actor_label",
        "actor",
        "api_key",
        "request_id",
        "changes_table",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Changes")
    def changes_table(self, record):
        rows = change_rows(record.changes)
        if not rows:
            return "—"
        return format_html(
            "<table><thead><tr><th>Field</th><th>Before</th><th>After</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )
