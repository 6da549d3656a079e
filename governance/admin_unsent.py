"""Task messages kept while the broker was away (governance.on_commit): to see, not to edit. An
operator may send them at once or delete one that can never run."""

from django.contrib import admin, messages

from governance.models import UnsentTask
from governance.on_commit import unsent_tasks_send


@admin.register(UnsentTask)
class UnsentTaskAdmin(admin.ModelAdmin):
    list_display = ["name", "args", "attempts", "created_at", "error"]
    list_filter = ["name"]
    readonly_fields = ["name", "args", "kwargs", "options", "error", "attempts", "created_at"]
    actions = ["send_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send the kept messages now", permissions=["view"])
    def send_now(self, request, queryset):
        sent = unsent_tasks_send()
        left = UnsentTask.objects.count()
        level = messages.SUCCESS if not left else messages.WARNING
        messages.add_message(request, level, f"Sent {sent}; {left} still kept.")
