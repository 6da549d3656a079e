"""Review queues: the products and assets in review that I may approve, what changed since the
last approved snapshot side by side, approve / reject with a comment, bulk approve with a
result per item. Every decision goes through governance.workflow.transition."""

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from dam.models import Asset
from dam.policies import asset_policy
from governance import workflow
from governance.audit import acting_as
from governance.models import WorkflowState, WorkflowTransition
from linking.models import MediaReadiness
from pim.models import Completeness, Product
from pim.policies import product_policy

QUEUE_LIMIT = 200  # rows shown per type; the count says how many wait in all


class Kind:
    """One reviewable type: its model, policy, how it is named in URLs and listed."""

    def __init__(self, name, model, policy, ref_field, related, label):
        self.name, self.model, self.policy = name, model, policy
        self.ref_field, self.related, self.label = ref_field, related, label

    def may_approve(self, user) -> bool:
        return user.has_perm(self.policy.permission("approve"))

    def in_review(self, user):
        """What waits in review within the user's scope, newest submission first."""
        if not self.may_approve(user):
            return self.model.objects.none()
        last = WorkflowTransition.objects.filter(
            content_type__app_label=self.model._meta.app_label,
            content_type__model=self.model._meta.model_name,
            object_id=OuterRef("pk"),
            to_state=WorkflowState.IN_REVIEW,
        ).order_by("-id")
        queryset = self.model.objects.filter(workflow_state=WorkflowState.IN_REVIEW)
        return (
            self.policy.visible(user, queryset)
            .select_related(*self.related)
            .annotate(
                submitted_at=Subquery(last.values("created_at")[:1]),
                submitted_by=Subquery(last.values("actor_label")[:1]),
            )
            .order_by("-submitted_at", "-pk")
        )

    def ref(self, obj) -> str:
        return str(getattr(obj, self.ref_field))

    def get(self, user, ref: str):
        """The object by its reference if the user may see it (else 404)."""
        if self.ref_field == "uuid":
            try:
                ref = uuid.UUID(ref)
            except ValueError:
                raise Http404 from None
        queryset = self.policy.visible(user, self.model.objects.select_related(*self.related))
        obj = queryset.filter(**{self.ref_field: ref}).first()
        if obj is None:
            raise Http404
        return obj


KINDS = {
    "product": Kind("product", Product, product_policy, "sku", ("family",), "Products"),
    "asset": Kind("asset", Asset, asset_policy, "uuid", ("current_version",), "Assets"),
}


def _kind(name: str) -> Kind:
    if name not in KINDS:
        raise Http404
    return KINDS[name]


def _queues(user) -> list[dict]:
    queues = []
    for kind in KINDS.values():
        if not kind.may_approve(user):
            continue
        items = kind.in_review(user)
        queues.append(
            {
                "kind": kind,
                "count": items.count(),
                "items": [(kind.ref(obj), obj) for obj in items[:QUEUE_LIMIT]],
            }
        )
    return queues


@login_required
def review_list(request):
    return render(request, "workbench/reviews/list.html", {"queues": _queues(request.user)})


def _selected(user, refs: list[str]) -> tuple[list, list[dict]]:
    """The selected items still in review in the user's scope, and reports for the others."""
    by_kind: dict[str, list[str]] = {}
    for item in refs:
        name, _, ref = item.partition(":")
        by_kind.setdefault(name, []).append(ref)
    found, missing = [], []
    for name, wanted in by_kind.items():
        kind = KINDS.get(name)
        if kind is None:
            missing.extend({"ref": ref, "kind": name} for ref in wanted)
            continue
        if kind.ref_field == "uuid":
            wanted = [ref for ref in wanted if _is_uuid(ref)]
        objects = {
            kind.ref(obj): obj
            for obj in kind.in_review(user).filter(**{f"{kind.ref_field}__in": wanted})
        }
        for ref in by_kind[name]:
            if ref in objects:
                found.append((kind, objects[ref]))
            else:
                missing.append({"ref": ref, "kind": name})
    return found, missing


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@login_required
def review_approve_many(request):
    """Bulk approve: each selected item on its own, a result line per item."""
    if request.method != "POST":
        return redirect("workbench-reviews")
    user = request.user
    if not any(kind.may_approve(user) for kind in KINDS.values()):
        raise PermissionDenied
    refs = request.POST.getlist("items")[: workflow.MAX_BULK_ITEMS]
    comment = request.POST.get("comment", "")
    results = []
    if not refs:
        results.append({"ref": "", "ok": False, "errors": ["Select at least one item to approve."]})
    found, missing = _selected(user, refs)
    for item in missing:
        results.append(
            {
                "ref": item["ref"],
                "kind": item["kind"],
                "ok": False,
                "errors": ["Not in review, or outside your scope."],
            }
        )
    with acting_as(user=user):
        for kind in KINDS.values():
            objects = [obj for k, obj in found if k is kind]
            if not objects:
                continue
            for report in workflow.transition_many(
                objects=objects, action="approve", comment=comment
            ):
                results.append(
                    {
                        "ref": str(report.obj),
                        "kind": kind.name,
                        "ok": report.ok,
                        "errors": [error["message"] for error in report.errors],
                    }
                )
    context = {
        "queues": _queues(user),
        "results": results,
        "approved": sum(r["ok"] for r in results),
    }
    return render(request, "workbench/reviews/list.html", context)


def _flatten(data, prefix=()) -> dict:
    """{(key, subkey, …): leaf}; an empty mapping has no leaf (nothing to show)."""
    flat = {}
    for key, value in (data or {}).items():
        if isinstance(value, dict) and key != "focal_point":
            flat.update(_flatten(value, (*prefix, key)))
        else:
            flat[(*prefix, key)] = value
    return flat


def shown(value) -> str | None:
    """A snapshot leaf as a reviewer reads it (None stays None: "(none)")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(shown(item) or "" for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def changes(
    before: dict | None, after: dict, *, ignore=("completeness", "uuid", "sku")
) -> list[dict]:
    """What differs between the approved snapshot and the current state, a row per leaf:
    [{scope, field, before, after, status}] with status added / changed / removed (everything
    is `added` when nothing was approved yet). Product values group by channel · locale."""
    old = {k: v for k, v in _flatten(before).items() if k[0] not in ignore}
    new = {k: v for k, v in _flatten(after).items() if k[0] not in ignore}
    rows = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: tuple(str(p) for p in k)):
        was, now = old.get(key), new.get(key)
        if key in old and key in new and was == now:
            continue
        if key[0] == "channels" and len(key) >= 4:
            scope, field = f"{key[1]} · {key[2]}", ".".join(str(p) for p in key[3:])
        else:
            scope, field = "", ".".join(str(p) for p in key)
        status = "added" if key not in old else "removed" if key not in new else "changed"
        rows.append(
            {
                "scope": scope,
                "field": field,
                "before": shown(was),
                "after": shown(now),
                "status": status,
            }
        )
    return rows


def _item_context(kind: Kind, obj, user) -> dict:
    snapshot = workflow.snapshot_of(obj)
    spec = workflow.spec_for(obj)
    context = {
        "kind": kind,
        "ref": kind.ref(obj),
        "obj": obj,
        "snapshot": snapshot,
        "changes": changes(snapshot.payload if snapshot else None, spec.snapshot(obj)),
        "may_decide": obj.workflow_state == WorkflowState.IN_REVIEW
        and kind.policy.allows(user, "approve", obj),
        "submission": workflow.last_submission(obj),
    }
    if kind.name == "product":
        context["completeness"] = (
            Completeness.objects.filter(product=obj)
            .select_related("channel", "locale")
            .order_by("channel__code", "locale__code")
        )
        context["readiness"] = (
            MediaReadiness.objects.filter(product=obj)
            .select_related("channel", "locale")
            .order_by("channel__code", "locale__code")
        )
    return context


@login_required
def review_item(request, kind, ref):
    kind = _kind(kind)
    obj = kind.get(request.user, ref)
    errors, comment = [], ""
    if request.method == "POST":
        if not kind.policy.allows(request.user, "approve", obj):
            raise PermissionDenied
        action = request.POST.get("action", "")
        comment = request.POST.get("comment", "")
        if action not in ("approve", "reject"):
            errors.append("Choose approve or reject.")
        elif request.POST.get("version") != str(obj.version):
            errors.append(
                "This item changed since you opened it: review the changes below again "
                "before you decide."
            )
        else:
            try:
                with acting_as(user=request.user):
                    workflow.transition(obj=obj, action=action, comment=comment)
            except ValidationError as exc:
                errors = [error["message"] for error in workflow.error_list(exc)]
            else:
                verb = "approved" if action == "approve" else "rejected"
                messages.success(request, f"{obj} {verb}.")
                return redirect("workbench-reviews")
    context = {**_item_context(kind, obj, request.user), "errors": errors, "comment": comment}
    return render(request, "workbench/reviews/item.html", context)


urlpatterns = [
    path("reviews/", review_list, name="workbench-reviews"),
    path("reviews/approve/", review_approve_many, name="workbench-reviews-approve"),
    path("reviews/<str:kind>/<str:ref>/", review_item, name="workbench-review-item"),
]
