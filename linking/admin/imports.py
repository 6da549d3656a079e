"""Admin: import profiles (saved column mappings), saved through the profile service so the
mapping's shape is checked as the API checks it (its errors show on the form)."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from governance.admin import CodeFrozenAdmin
from linking.models import ImportProfile
from linking.services import import_profiles


def _on_form_fields(error: ValidationError) -> ValidationError:
    """The mapping's errors name paths inside it (mapping.columns.x.target): the form has one
    field for the whole mapping, so they go there, each naming its path."""
    fields: dict[str, list] = {}
    for path, messages in error.message_dict.items():
        name, _, inner = path.partition(".")
        fields.setdefault(name, []).extend(f"{inner}: {m}" if inner else m for m in messages)
    return ValidationError(fields)


@admin.register(ImportProfile)
class ImportProfileAdmin(CodeFrozenAdmin):
    list_display = ["code", "label", "kind", "created_by", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["created_by"]
    search_fields = ["code", "label"]
    fields = ["code", "label", "kind", "mapping", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "created_by"] if obj else ["created_by"]

    def service_save(self, data, *, existing):
        changes = {name: data[name] for name in import_profiles.FIELDS if name in data}
        if existing is not None:
            changes.pop("code", None)  # read-only once saved
        changes["mapping"] = changes.get("mapping") or {"columns": {}}
        try:
            return import_profiles.import_profile_save(profile=existing, changes=changes)
        except ValidationError as exc:
            raise _on_form_fields(exc) from None

    def service_delete(self, obj):
        import_profiles.import_profile_delete(profile=obj)
