"""What the asset library tells the layers above it. Receivers run inside the sender's
transaction: one that raises undoes the change."""

from django.dispatch import Signal

# Sent for each new asset an upload created, after its rows are written. Arguments: asset,
# filename (as uploaded, made safe). A receiver may return a dict: the ingest report of that
# file carries it (linking answers what the naming rules did with the name).
asset_ingested = Signal()

# Sent when something a channel shows of assets changed: texts, focal point, rights, a new
# current version, a finished rendition, a workflow move. Arguments: asset_ids (list of ints).
assets_changed = Signal()
