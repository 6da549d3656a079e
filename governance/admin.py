"""Admin for the shared language. Saves go through the services, like every other entry point."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse, HttpResponseBadRequest
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from governance import services
from governance.admin_audit import AuditHistoryMixin  # also registers the audit record admin
from governance.governed import DECIDE
from governance.models import (
    Category,
    Channel,
    Currency,
    Locale,
    Term,
    Vocabulary,
    WorkerHeartbeat,
)


class _DryRun(Exception):
    pass


def labels_patch(old: dict, new):
    """The admin edits whole label objects; services merge per locale, so a locale that is
    gone from the form is erased explicitly."""
    if not isinstance(new, dict):
        return new  # the service explains what labels must be
    return {**dict.fromkeys(set(old) - set(new)), **new}


def attempt(action) -> ValidationError | None:
    """Run `action` in a savepoint, kept if it succeeds; the error it raised, if any."""
    try:
        with transaction.atomic():
            action()
    except ValidationError as exc:
        return exc
    return None


def dry_run(action) -> ValidationError | None:
    """Run `action` in a transaction that is always rolled back; the error it raised, if any."""
    try:
        with transaction.atomic():
            action()
            raise _DryRun
    except _DryRun:
        return None
    except ValidationError as exc:
        return exc


class ServiceAdmin(AuditHistoryMixin, admin.ModelAdmin):
    """Saves call `service_save`; the form first runs it in a rolled-back transaction so the
    service's own errors show inline on the form instead of failing the save. Deletes call
    `service_delete`, and the confirmation page lists what it would refuse as protected."""

    def service_save(self, data: dict, *, existing):
        raise NotImplementedError

    def service_delete(self, obj) -> None:
        obj.delete()

    def deletion_order(self, queryset):
        return queryset

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class Form(base):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                error = dry_run(
                    lambda: model_admin.service_save(
                        self.cleaned_data, existing=model_admin._existing(self)
                    )
                )
                if error:
                    self.add_error(None, error)

        return Form

    def _existing(self, form):
        return self.model.objects.get(pk=form.instance.pk) if form.instance.pk else None

    def save_model(self, request, obj, form, change):
        saved = self.service_save(form.cleaned_data, existing=self._existing(form))
        obj.pk, obj._state.adding = saved.pk, False

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # relations of the object itself were set by the service
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        inline = getattr(formset, "service_inline", None)
        if inline is None:
            return super().save_formset(request, form, formset, change)
        inline.service_save_rows(formset, parent=form.instance)

    def _fresh(self, objs):
        return self.deletion_order(self.model.objects.filter(pk__in=[obj.pk for obj in objs]))

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        refusals = []

        def delete_all():
            for obj in self._fresh(objs):  # copies: a delete clears the instance's pk
                error = attempt(lambda obj=obj: self.service_delete(obj))
                refusals.extend(f"{obj}: {message}" for message in error or [])

        dry_run(delete_all)
        return deleted, counts, perms_needed, [*protected, *refusals]

    def delete_model(self, request, obj):
        self.service_delete(obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in self._fresh(queryset):
                self.service_delete(obj)


class ServiceInlineFormSet(BaseInlineFormSet):
    """Rows saved by their inline's services. `clean` runs them in a rolled-back transaction
    (after the parent's own dry run) so a row's service errors show on that row."""

    service_inline: "ServiceInline"

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        problems = []

        def save_rows():
            parent = self.instance if self.instance.pk else self.service_inline.dry_run_parent(self)
            if parent is not None:  # else the parent's form shows why it cannot be saved
                inline = self.service_inline
                problems.extend(inline.service_save_rows(self, parent=parent, report=True))

        dry_run(save_rows)
        refused_deletes = []
        for form, error in problems:
            if self._should_delete_form(form):  # a deleted row's errors would not be shown
                refused_deletes += [f"{form.instance}: {m}" for m in error.messages]
            else:
                form.add_error(None, error)
        if refused_deletes:
            raise ValidationError(refused_deletes)


class ServiceInline(admin.TabularInline):
    formset = ServiceInlineFormSet

    def service_save(self, parent, data: dict, *, existing):
        raise NotImplementedError

    def service_delete(self, obj) -> None:
        raise NotImplementedError

    def dry_run_parent(self, formset):
        """A saved stand-in for a parent being added, inside the dry run; None if it cannot be."""
        raise NotImplementedError

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.service_inline = self
        return formset

    def service_save_rows(
        self, formset, *, parent, report: bool = False
    ) -> list[tuple[forms.Form, ValidationError]]:
        """Deletes first, then changes, then additions (a code freed by one can be reused).
        With `report` (inside a dry run) each row's refusal is returned; else it is raised, and
        the formset records what it did for the admin's change message."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        deleted = [f for f in formset.initial_forms if formset._should_delete_form(f)]
        kept = [f for f in formset.forms if f not in deleted and not formset._should_delete_form(f)]

        def delete(form):
            existing = self._existing(form)
            self.service_delete(existing)
            formset.deleted_objects.append(existing)

        def save(form):
            existing = self._existing(form) if form.instance.pk else None
            saved = self.service_save(parent, form.cleaned_data, existing=existing)
            if existing:
                formset.changed_objects.append((saved, form.changed_data))
            else:
                formset.new_objects.append(saved)

        steps = [(f, lambda f=f: delete(f)) for f in deleted]
        steps += [(f, lambda f=f: save(f)) for f in kept if f.has_changed()]
        problems = []
        for form, step in steps:
            if not report:
                step()
            elif error := attempt(step):  # a refused row leaves the rows after it testable
                problems.append((form, error))
        return problems

    def _existing(self, form):
        return self.model.objects.get(pk=form.instance.pk)


def governed_readonly(request, readonly) -> list:
    """Only a Metadata Manager switches `is_governed`; for anyone else it is read-only."""
    if request.user.has_perm(DECIDE):
        return list(readonly)
    return [*readonly, "is_governed"]


class CodeFrozenAdmin(ServiceAdmin):
    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []  # codes are identifiers: they never change


@admin.register(Locale, Currency)
class CodeEntryAdmin(CodeFrozenAdmin):
    list_display = ["code", "label", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "label"]

    def has_delete_permission(self, request, obj=None):
        return False  # values refer to locales and currencies: deactivate them instead

    def service_save(self, data, *, existing):
        fields = {"label": data["label"], "is_active": data["is_active"]}
        if existing:
            return services.code_entry_update(entry=existing, changes=fields)
        return services.code_entry_create(model=self.model, code=data["code"], **fields)


@admin.register(Channel)
class ChannelAdmin(CodeFrozenAdmin):
    list_display = ["code", "label", "category_tree", "approval_min_completeness", "updated_at"]
    list_select_related = ["category_tree"]
    search_fields = ["code", "label"]
    filter_horizontal = ["locales", "currencies"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category_tree":
            kwargs["queryset"] = Category.objects.filter(depth=1)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "approval_min_completeness":
            field.required = False  # left empty: 100 for a new channel, unchanged otherwise
        return field

    def service_save(self, data, *, existing):
        locales = [locale.code for locale in data["locales"]]
        currencies = [currency.code for currency in data["currencies"]]
        tree = data["category_tree"].code if data.get("category_tree") else None
        minimum = data.get("approval_min_completeness")
        minimum = {} if minimum is None else {"approval_min_completeness": minimum}
        if existing:
            return services.channel_update(
                channel=existing,
                changes={"label": data["label"], **minimum},
                locales=locales,
                currencies=currencies,
                category_tree=tree,
            )
        return services.channel_create(
            code=data["code"],
            label=data["label"],
            locales=locales,
            currencies=currencies,
            category_tree=tree,
            **minimum,
        )

    def service_delete(self, obj):
        services.channel_delete(channel=obj)


class TermInline(ServiceInline):
    """A term's code can be typed on new rows only: the service refuses to change one."""

    model = Term
    fields = ["code", "labels", "sort_order", "is_deprecated"]
    extra = 1

    def service_save(self, parent, data, *, existing):
        fields = {
            "labels": data["labels"],
            "sort_order": data["sort_order"],
            "is_deprecated": data["is_deprecated"],
        }
        if existing:
            changes = {**fields, "labels": labels_patch(existing.labels, data["labels"])}
            if data["code"] != existing.code:
                changes["code"] = data["code"]  # refused by the service, shown on the row
            return services.term_update(term=existing, changes=changes)
        return services.term_create(vocabulary=parent, code=data["code"], **fields)

    def service_delete(self, obj):
        services.term_delete(term=obj)

    def dry_run_parent(self, formset):
        vocabulary = formset.instance
        try:
            return services.vocabulary_create(
                code=vocabulary.code, labels=vocabulary.labels, is_governed=vocabulary.is_governed
            )
        except ValidationError:
            return None


@admin.register(Vocabulary)
class VocabularyAdmin(CodeFrozenAdmin):
    list_display = ["code", "labels", "is_governed", "updated_at"]
    list_filter = ["is_governed"]
    search_fields = ["code"]
    inlines = [TermInline]

    def get_readonly_fields(self, request, obj=None):
        return governed_readonly(request, super().get_readonly_fields(request, obj))

    def service_save(self, data, *, existing):
        governed = {"is_governed": data["is_governed"]} if "is_governed" in data else {}
        if existing:
            changes = {"labels": labels_patch(existing.labels, data["labels"]), **governed}
            return services.vocabulary_update(vocabulary=existing, changes=changes)
        return services.vocabulary_create(code=data["code"], labels=data["labels"], **governed)

    def service_delete(self, obj):
        services.vocabulary_delete(vocabulary=obj)


class CategoryMoveForm(forms.Form):
    node = forms.ModelChoiceField(queryset=Category.objects.all())
    target = forms.ModelChoiceField(queryset=Category.objects.all())
    relation = forms.ChoiceField(choices=[("child", "child"), ("sibling", "sibling")])


@admin.register(Category)
class CategoryAdmin(TreeAdmin, CodeFrozenAdmin):
    """treebeard's tree admin, writing through the category services. Siblings are kept in code
    order, so "child of" and "sibling of" (in the form or by drag and drop) name exactly the
    new parent, which is all `category_update` needs; no write goes through treebeard's form."""

    form = movenodeform_factory(Category)
    list_display = ["code", "labels", "is_governed", "updated_at"]
    search_fields = ["code"]

    def get_readonly_fields(self, request, obj=None):
        return governed_readonly(request, super().get_readonly_fields(request, obj))

    @staticmethod
    def _parent_code(position: str, reference: Category | None) -> str | None:
        if reference is None:
            return None  # "-- root --": a tree of its own
        if position == "sorted-child":
            return reference.code
        parent = Category.objects.get_parent(reference)
        return parent.code if parent else None

    def service_save(self, data, *, existing):
        parent = self._parent_code(data["treebeard_position"], data.get("treebeard_ref_node"))
        governed = data.get("is_governed", existing.is_governed if existing else False)
        if existing:
            changes = {"labels": labels_patch(existing.labels, data["labels"])}
            if governed != existing.is_governed:  # only a root takes it: the service says so
                changes["is_governed"] = governed
            return services.category_update(category=existing, changes=changes, parent=parent)
        return services.category_create(
            code=data["code"], parent=parent, labels=data["labels"], is_governed=governed
        )

    def service_delete(self, obj):
        services.category_delete(category=obj)

    def deletion_order(self, queryset):
        return queryset.order_by("-depth", "path")  # children before their parents

    def save_form(self, request, form, change):
        return form.instance  # MoveNodeForm.save would write to the tree before the service

    def move_node(self, request):
        """Drag and drop: the same move as the form, through `category_update`."""
        form = CategoryMoveForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest("Invalid form data provided")
        node, target = form.cleaned_data["node"], form.cleaned_data["target"]
        if not self.has_change_permission(request, node):
            raise PermissionDenied
        child = form.cleaned_data["relation"] == "child"
        parent = self._parent_code("sorted-child" if child else "sorted-sibling", target)
        try:
            services.category_update(category=node, changes={}, parent=parent)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))  # shown after the page reloads
            return HttpResponseBadRequest("Move refused")
        messages.info(request, f"Moved {node} under {parent or 'the top level'}.")
        return HttpResponse("OK")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "seen_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Admin pages kept in their own modules (grants, quality) register themselves on import.
from governance import admin_access, admin_quality, admin_unsent  # noqa: E402, F401
from governance.admin_api_keys import ApiKeyAdmin  # noqa: E402, F401  (registers itself)
from governance.admin_change_requests import ChangeRequestAdmin  # noqa: E402, F401  (registers itself)
