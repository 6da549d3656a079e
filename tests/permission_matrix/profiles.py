"""Expected statuses, principal by principal, written down from the issue's rules (not read
from the code under test). A profile maps every principal to the status it must get.

Writes are sent with an empty body (`{}`), so a principal that may write gets the status
the route gives to an incomplete request (usually 422) and one that may not gets 403 before
the body is read; an object outside a principal's scope is 404. Keys act through
`Authorization: Bearer`, which the HTML pages ignore: there they are anonymous."""

from tests.permission_matrix.world import PRINCIPALS

ADMINISTRATOR = ("administrator",)
PRODUCT_WRITERS = (
    "administrator",
    "product_data_owner",
    "product_editor",
    "write_key",
    "other_channel_key",
)
PRODUCT_OWNERS = ("administrator", "product_data_owner")
METADATA_MANAGERS = ("administrator", "metadata_manager")
LIBRARIANS = ("administrator", "asset_librarian")
ASSET_WRITERS = ("administrator", "asset_librarian", "asset_contributor")
CHANGE_REQUESTERS = (
    "administrator",
    "product_data_owner",
    "product_editor",
    "asset_librarian",
    "metadata_manager",
    "write_key",
    "other_channel_key",
)
QUALITY_RUNNERS = ("administrator", "product_data_owner", "asset_librarian", "metadata_manager")
PEOPLE = (
    "administrator",
    "product_data_owner",
    "product_editor",
    "asset_librarian",
    "asset_contributor",
    "metadata_manager",
    "viewer",
)


def profile(default: int, *, anonymous: int = 401, **special: int) -> dict[str, int]:
    statuses = {principal: default for principal in PRINCIPALS}
    statuses["anonymous"] = anonymous
    statuses.update(special)
    return statuses


def only(ok: int, holders, *, denied: int = 403, **special: int) -> dict[str, int]:
    """`holders` get `ok`, every other signed-in principal `denied`, anonymous 401."""
    return profile(denied, **{**{h: ok for h in holders}, **special})


PUBLIC_200 = profile(200, anonymous=200)
READ_ANY = profile(200)
# A key restricted to another channel does not see this channel's products.
READ_IN_CHANNEL = profile(200, other_channel_key=404)
ADMIN_ONLY = lambda ok: only(ok, ADMINISTRATOR)  # noqa: E731
MANAGE_METADATA = lambda ok: only(ok, METADATA_MANAGERS)  # noqa: E731
MANAGE_LIBRARY = lambda ok: only(ok, LIBRARIANS)  # noqa: E731
EDIT_ASSETS = lambda ok: only(ok, ASSET_WRITERS)  # noqa: E731
REQUEST_CHANGES = lambda ok: only(ok, CHANGE_REQUESTERS)  # noqa: E731
RUN_QUALITY = lambda ok: only(ok, QUALITY_RUNNERS)  # noqa: E731
# Creating is not scoped; changing one of this channel's products is, for the other key.
CREATE_PRODUCTS = lambda ok: only(ok, PRODUCT_WRITERS)  # noqa: E731
EDIT_PRODUCTS = lambda ok: only(ok, PRODUCT_WRITERS, other_channel_key=404)  # noqa: E731
OWN_PRODUCTS = lambda ok, **special: only(ok, PRODUCT_OWNERS, **special)  # noqa: E731

# HTML pages: people signed in by session; keys count as anonymous there.
_KEYS_AS_ANONYMOUS = {"read_key": None, "write_key": None, "other_channel_key": None}


def page(signed_in: int, anonymous: int) -> dict[str, int]:
    statuses = profile(signed_in, anonymous=anonymous)
    statuses.update({key: anonymous for key in _KEYS_AS_ANONYMOUS})
    return statuses


LOGIN_REQUIRED_PAGE = page(200, 302)
LOGIN_PAGE = page(302, 200)  # signed-in people are sent on to the workbench
LOGOUT = page(302, 302)


def page_only(ok: int, holders, *, denied: int = 403) -> dict[str, int]:
    """An HTML page's action: `holders` get `ok`, other people `denied`, anonymous (and keys)
    are sent to the login page."""
    statuses = page(denied, 302)
    statuses.update({holder: ok for holder in holders})
    return statuses
