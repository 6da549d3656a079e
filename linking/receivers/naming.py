"""Signal receivers: naming. A new upload's file name goes through the naming rules."""

from django.dispatch import receiver

from dam.signals import asset_ingested
from linking.services.naming import NamingRules, asset_naming_apply


@receiver(asset_ingested, dispatch_uid="linking.naming_rules_apply")
def naming_rules_apply(sender, asset, filename, **kwargs) -> dict:
    """Link and tag a new asset as the naming rules read its file name; the upload's report of
    that file carries the outcome under `naming`. The link is made on behalf of the rules
    (librarians configure them), whatever the uploader's product scope: the asset still needs
    approval before any channel shows it."""
    resolution = NamingRules.load().resolve(filename)
    return {"naming": asset_naming_apply(asset=asset, resolution=resolution)}
