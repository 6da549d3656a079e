"""Permission classes the apps' APIs share."""

from rest_framework import permissions


class ModelPermissionsWithView(permissions.DjangoModelPermissions):
    """DRF's model permissions, and reading needs the model's view permission too."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }
