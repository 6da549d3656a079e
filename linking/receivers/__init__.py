"""Linking's answers to pim's, dam's and governance's signals, one module per concern; importing
this package connects them (LinkingConfig.ready)."""

from linking.receivers import documents, events, links, naming  # noqa: F401
