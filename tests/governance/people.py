"""People holding the roles the governance migration seeds."""

from django.contrib.auth.models import Group

from tests.governance.factories import UserFactory


def member(role: str, username: str | None = None, **fields):
    """A user in one role group, with an email address (reviewers are mailed)."""
    username = username or role.lower().replace(" ", "_")
    user = UserFactory(username=username, email=f"{username}@example.com", **fields)
    user.groups.add(Group.objects.get(name=role))
    return user
