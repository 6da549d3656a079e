"""`Authorization: Bearer <key>` for the API: the key acts as an `ApiKeyUser`, a principal
that is not a person (no row in the user table) and holds its key's permissions."""

from django.contrib.auth.models import Permission
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from governance import api_keys
from governance.models import ApiKey, ApiKeyScope
from governance.roles import ROLES, VIEWER

KEYWORD = "Bearer"
# Keys never manage keys, whatever their role: a leaked key must not be able to mint others.
NEVER_FOR_KEYS = ("governance.add_apikey", "governance.change_apikey", "governance.delete_apikey")


class ApiKeyUser:
    """The principal of a request made with an API key. A read key holds the Viewer role's view
    permissions; a write key holds those and its role's. `api_key.channel` is its channel
    restriction, for the policies that hide other channels' content."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    is_api_key = True
    pk = None
    id = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.username = f"key:{api_key.prefix}"
        self._permissions: frozenset[str] | None = None

    def __str__(self):
        return self.username

    def __repr__(self):
        return f"<ApiKeyUser {self.username}>"

    def get_username(self) -> str:
        return self.username

    def get_all_permissions(self, obj=None) -> set[str]:
        if self._permissions is None:
            permissions = set(ROLES[VIEWER])
            key = self.api_key
            if key.scope == ApiKeyScope.WRITE and key.role_id is not None:
                permissions |= {
                    f"{app}.{codename}"
                    for app, codename in Permission.objects.filter(group=key.role_id).values_list(
                        "content_type__app_label", "codename"
                    )
                }
            self._permissions = frozenset(permissions - set(NEVER_FOR_KEYS))
        return set(self._permissions)

    def has_perm(self, perm: str, obj=None) -> bool:
        # A key has no object grants: its role applies to every object (its channel
        # restriction narrows what it sees, in the policies).
        self.get_all_permissions()
        return perm in self._permissions

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions())


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer tsk_…`: a usable key, else 401 saying why. Requests without a
    Bearer header are left to the next authentication class."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        try:
            raw = header[1].decode("ascii") if len(header) == 2 else ""
        except UnicodeDecodeError:
            raw = ""
        if api_keys.key_prefix(raw) is None:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: send `Bearer tsk_<prefix>_<secret>`.",
                code="invalid_authorization_header",
            )
        key = api_keys.api_key_authenticate(raw)
        if key is None:
            self._refuse(raw)
        if key.scope != ApiKeyScope.WRITE and request.method not in permissions.SAFE_METHODS:
            # Before any view reads the body: a read key gets 403 on every write, whatever
            # the endpoint would have said about the input.
            raise exceptions.PermissionDenied("This API key is read-only.", code="read_only_key")
        return ApiKeyUser(key), key

    def _refuse(self, raw: str):
        key = api_keys.api_key_find(raw)
        if key is None:
            raise exceptions.AuthenticationFailed("Unknown API key.", code="unknown_key")
        reason = api_keys.api_key_refusal(key, now=timezone.now()) or "This API key is refused."
        code = "key_revoked" if key.revoked_at is not None else "key_expired"
        raise exceptions.AuthenticationFailed(reason, code=code)

    def authenticate_header(self, request):
        return KEYWORD


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of `ApiKeyAuthentication` (registered by subclassing)."""

    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key: `Authorization: Bearer tsk_<prefix>_<secret>`.",
        }
