"""Admin: product↔asset links and the attributes linked assets carry as product tags. Saves go
through linking's services, like the API: the same validation, audit, events and tag sync."""

from django import forms
from django.contrib import admin

from dam.policies import asset_policy
from governance.admin import ServiceAdmin
from governance.models import Term
from linking.models import ProductAssetLink, TaggedAttribute
from linking.selectors.links import link_list, links_visible
from linking.services import links as services
from linking.services import tags
from pim.policies import product_model_policy, product_policy

ROLES_VOCABULARY = services.ROLES_VOCABULARY


def role_choices():
    terms = Term.objects.filter(vocabulary__code=ROLES_VOCABULARY, is_deprecated=False)
    return [(code, code) for code in terms.values_list("code", flat=True)]


OWNER_AND_SCOPE = ("product", "product_model", "asset", "role", "locale", "channel")


class LinkForm(forms.ModelForm):
    role = forms.TypedChoiceField(choices=role_choices)
    position = forms.IntegerField(
        min_value=0, required=False, help_text="Empty: after the last link in its role."
    )

    class Meta:
        model = ProductAssetLink
        fields = ["product", "product_model", "asset", "role", "position", "locale", "channel"]

    def _get_validation_exclusions(self):
        # The service checks owners and duplicates with its own messages (the admin's dry run);
        # the model's constraints would answer first, in generic words.
        return super()._get_validation_exclusions() | set(OWNER_AND_SCOPE)


def _code(row):
    return row.code if row is not None else None


@admin.register(ProductAssetLink)
class ProductAssetLinkAdmin(ServiceAdmin):
    form = LinkForm
    list_display = ["id", "product", "product_model", "asset", "role", "position", "locale"]
    list_filter = ["role", "channel", "locale"]
    list_select_related = ["product", "product_model", "asset", "locale", "channel"]
    search_fields = ["product__sku", "product_model__code", "asset__code"]
    autocomplete_fields = ["product", "product_model", "asset"]
    readonly_fields = ["naming_rule", "created_by", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        owner_and_asset = ["product", "product_model", "asset"] if obj is not None else []
        return [*owner_and_asset, *self.readonly_fields]

    def get_queryset(self, request):
        return links_visible(request.user, link_list())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only what the user may see can be linked (a crafted form cannot reach further).
        visible = {
            "product": lambda qs: product_policy.visible(request.user, qs),
            "product_model": lambda qs: product_model_policy.visible(request.user, qs),
            "asset": lambda qs: asset_policy.visible(request.user, qs),
        }.get(db_field.name)
        if visible is not None:
            kwargs["queryset"] = visible(db_field.remote_field.model._default_manager.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_change_owner(self, request, obj) -> bool:
        # As in the API: linking is the role's right, within the user's category scope.
        if obj.product_id:
            return product_policy.in_scope(request.user, obj.product)
        return product_model_policy.in_scope(request.user, obj.product_model)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._may_change_owner(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._may_change_owner(request, obj))

    def service_save(self, data: dict, *, existing):
        scope = {"locale": _code(data.get("locale")), "channel": _code(data.get("channel"))}
        if existing is not None:
            return services.link_update(
                link=existing,
                changes={"role": data["role"], "position": data["position"], **scope},
            )
        return services.link_add(
            asset=data["asset"],
            product=data.get("product"),
            product_model=data.get("product_model"),
            role=data["role"],
            position=data.get("position"),
            **scope,
        )

    def service_delete(self, obj) -> None:
        services.link_remove(link=obj)


@admin.register(TaggedAttribute)
class TaggedAttributeAdmin(ServiceAdmin):
    list_display = ["attribute"]
    list_select_related = ["attribute"]
    search_fields = ["attribute__code"]
    autocomplete_fields = ["attribute"]

    def get_readonly_fields(self, request, obj=None):
        return ["attribute"] if obj is not None else []

    def service_save(self, data: dict, *, existing):
        return existing or tags.tagged_attribute_add(attribute=data["attribute"])

    def service_delete(self, obj) -> None:
        tags.tagged_attribute_remove(tagged=obj)
