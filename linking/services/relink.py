"""Relink: the naming rules applied to assets already in the library (after a migration, or
when a rule is added), as a background job whose report lists what was linked, what no rule
or product matched, what was ambiguous and what was linked already."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef

from dam.models import Asset, Collection
from dam.policies import collection_descendants
from governance.jobs import job_create, job_progress
from governance.models import Job
from linking.models import NamingRule, ProductAssetLink
from linking.services.naming import AMBIGUOUS, LINKABLE, NamingRules, Resolution, asset_naming_apply

JOB_KIND = "relink"
CHUNK_SIZE = 500  # assets per keyset page, each followed by one progress update
LIST_LIMIT = 1000  # entries kept per list of the report; the counts cover every asset
BUCKETS = ("linked", "unmatched", "ambiguous", "already_linked")


def _invalid(field_name: str, message: str, code: str = "invalid") -> dict:
    return {field_name: [ValidationError(message, code=code)]}


@transaction.atomic
def relink_start(
    *,
    only_unlinked: bool = True,
    collection: str | None = None,
    dry_run: bool = False,
    rules: list[str] | None = None,
    collection_scope: set[int] | None = None,
) -> Job:
    """Queue a relink job over the library, or over one collection and its children, within the
    starter's collections (`collection_scope`; None = all). `rules` narrows it to those active
    rules. Runs `linking.tasks.naming.relink_run` on commit."""
    from linking.tasks.naming import relink_run

    errors: dict = {}
    for name, value in (("only_unlinked", only_unlinked), ("dry_run", dry_run)):
        if not isinstance(value, bool):
            errors.update(_invalid(name, "Expected true or false."))
    row = None
    if collection is not None:
        row = Collection.objects.filter(code=collection).first()
        if row is None:
            errors.update(
                _invalid("collection", f"There is no collection {collection!r}.", "unknown")
            )
        elif collection_scope is not None and row.pk not in collection_scope:
            errors.update(
                _invalid("collection", "Choose one of the collections you work in.", "out_of_scope")
            )
    if rules is not None:
        known = set(NamingRule.objects.filter(code__in=rules).values_list("code", flat=True))
        unknown = [code for code in rules if code not in known]
        if unknown:
            errors.update(
                _invalid("rules", f"Unknown naming rules: {', '.join(unknown)}.", "unknown")
            )
    if errors:
        raise ValidationError(errors)
    if row is not None:
        collection_ids = sorted(collection_descendants({row.pk}))
    else:
        collection_ids = None if collection_scope is None else sorted(collection_scope)
    job = job_create(
        kind=JOB_KIND,
        parameters={
            "only_unlinked": only_unlinked,
            "collection": collection,
            "dry_run": dry_run,
            "rules": rules,
            "collection_ids": collection_ids,  # the walk's scope, fixed when it was asked for
        },
    )
    relink_run.delay_on_commit(job.pk)
    return job


@dataclass
class RelinkReport:
    dry_run: bool
    counts: dict = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    lists: dict = field(default_factory=lambda: {bucket: [] for bucket in BUCKETS})

    def add(self, bucket: str, entry: dict) -> None:
        self.counts[bucket] += 1
        if len(self.lists[bucket]) < LIST_LIMIT:
            self.lists[bucket].append(entry)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "counts": dict(self.counts),
            **{bucket: list(entries) for bucket, entries in self.lists.items()},
            "list_limit": LIST_LIMIT,
            "note": f"Each list keeps its first {LIST_LIMIT:,} entries; counts cover every asset.",
        }


def assets_relink(*, job: Job) -> dict:
    """Walk the job's assets by id in pages of CHUNK_SIZE, resolve each current file name with
    the naming rules and link (unless a dry run, which writes nothing) through the same path
    as uploads; progress is recorded after each page. Returns the report."""
    parameters = job.parameters
    dry_run = bool(parameters.get("dry_run"))
    only_unlinked = parameters.get("only_unlinked", True)
    assets = Asset.objects.all()
    if parameters.get("collection_ids") is not None:
        assets = assets.filter(collection_id__in=parameters["collection_ids"])
    rules = NamingRules.load(codes=parameters.get("rules"))
    report = RelinkReport(dry_run=dry_run)
    job_progress(job=job, processed=0, total=assets.count(), report=report.as_dict())
    pages = (
        assets.annotate(has_links=Exists(ProductAssetLink.objects.filter(asset=OuterRef("pk"))))
        .select_related("current_version")
        .order_by("pk")
    )
    last, processed = 0, 0
    while page := list(pages.filter(pk__gt=last)[:CHUNK_SIZE]):
        _relink_page(page, rules, report, dry_run=dry_run, only_unlinked=only_unlinked)
        last, processed = page[-1].pk, processed + len(page)
        job_progress(job=job, processed=processed, report=report.as_dict())
    return report.as_dict()


def _link_key(asset_id: int, resolution: Resolution) -> tuple:
    match = resolution.match
    return (
        asset_id,
        resolution.product.pk if resolution.product else None,
        resolution.product_model.pk if resolution.product_model else None,
        match.role,
        match.locale,
        match.channel,
    )


def _relink_page(page, rules, report: RelinkReport, *, dry_run: bool, only_unlinked: bool):
    names = [a.current_version.original_filename if a.current_version_id else "" for a in page]
    resolutions = rules.resolve_many(names)
    existing = set(
        ProductAssetLink.objects.filter(asset__in=page).values_list(
            "asset_id", "product_id", "product_model_id", "role", "locale__code", "channel__code"
        )
    )
    for asset, resolution in zip(page, resolutions, strict=True):
        entry = {"asset": str(asset.uuid), "filename": resolution.filename}
        match = resolution.match
        if only_unlinked and asset.has_links:
            report.add("already_linked", entry)
        elif resolution.outcome == AMBIGUOUS:
            report.add(
                "ambiguous",
                {**entry, "identifier": match.identifier, "message": resolution.message},
            )
        elif resolution.outcome != LINKABLE:
            report.add(
                "unmatched",
                {
                    **entry,
                    "reason": resolution.outcome,
                    "identifier": match.identifier if match else None,
                    "message": resolution.message,
                },
            )
        elif _link_key(asset.pk, resolution) in existing:
            report.add("already_linked", entry)
        else:
            _relink_one(asset, resolution, entry, report, dry_run=dry_run)


def _relink_one(asset, resolution: Resolution, entry: dict, report: RelinkReport, *, dry_run):
    match = resolution.match
    linked = {
        **entry,
        "rule": match.rule.code,
        "target": resolution.target,
        "role": match.role,
        "position": match.position,
        "locale": match.locale,
        "channel": match.channel,
    }
    if dry_run:
        report.add("linked", linked)
        return
    outcome = asset_naming_apply(asset=asset, resolution=resolution)
    if outcome["linked"]:
        report.add("linked", linked)
    else:  # the link service refused it (a role deprecated since the rule was saved…)
        report.add("unmatched", {**entry, "reason": "refused", "message": outcome["message"]})
