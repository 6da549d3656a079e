"""Governance models, split by concept; import them from here."""

from governance.models.access import (
    ApiKey,
    ApiKeyScope,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
)
from governance.models.audit import AppendOnly, AuditAction, AuditRecord
from governance.models.change_requests import ChangeKind, ChangeRequest, ChangeRequestStatus
from governance.models.comments import COMMENT_MAX_LENGTH, Comment
from governance.models.jobs import Job, JobState
from governance.models.quality import QualityFinding, QualityRun, QualityRunStatus, QualitySeverity
from governance.models.reference import (
    ActivatableCode,
    Category,
    Channel,
    Currency,
    Event,
    FastJSONField,
    Locale,
    Term,
    TimestampedModel,
    Vocabulary,
    WorkerHeartbeat,
    WorkflowState,
    WorkflowStateMixin,
)
from governance.models.unsent import UnsentTask
from governance.models.workflow import Notification, PublishedSnapshot, WorkflowTransition

__all__ = [
    "COMMENT_MAX_LENGTH",
    "ActivatableCode",
    "ApiKey",
    "ApiKeyScope",
    "AppendOnly",
    "AuditAction",
    "AuditRecord",
    "Category",
    "CategoryGroupObjectPermission",
    "CategoryUserObjectPermission",
    "ChangeKind",
    "ChangeRequest",
    "ChangeRequestStatus",
    "Channel",
    "Comment",
    "Currency",
    "Event",
    "FastJSONField",
    "Job",
    "JobState",
    "Locale",
    "Notification",
    "PublishedSnapshot",
    "QualityFinding",
    "QualityRun",
    "QualityRunStatus",
    "QualitySeverity",
    "Term",
    "TimestampedModel",
    "UnsentTask",
    "Vocabulary",
    "WorkerHeartbeat",
    "WorkflowState",
    "WorkflowStateMixin",
    "WorkflowTransition",
]
