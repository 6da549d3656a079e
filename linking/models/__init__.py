"""Linking models, split by concept; import them from here."""

from linking.models.feed import ChannelDocument
from linking.models.links import ProductAssetLink, TaggedAttribute
from linking.models.naming import NamingRule
from linking.models.readiness import (
    ChannelMediaPolicy,
    FallbackMedia,
    MediaReadiness,
    MediaRequirement,
)
from linking.models.saved_views import SavedView
from linking.models.transfer import ExportFormat, ImportKind, ImportProfile, ScheduledExport
from linking.models.webhooks import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ = [
    "ChannelDocument",
    "ChannelMediaPolicy",
    "DeliveryState",
    "ExportFormat",
    "FallbackMedia",
    "ImportKind",
    "ImportProfile",
    "MediaReadiness",
    "MediaRequirement",
    "NamingRule",
    "ProductAssetLink",
    "SavedView",
    "ScheduledExport",
    "TaggedAttribute",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
