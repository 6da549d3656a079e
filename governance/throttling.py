"""Request budgets: one per API key, one per signed-in person (and DRF's per-address one for
anonymous requests). Counts live in Django's cache: Redis in the service tier, so every web
process shares them; local memory otherwise."""

from django.conf import settings
from rest_framework import throttling

from governance.models import ApiKey


def _api_key(request) -> ApiKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiKey) else None


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """Each key has its own budget, `TESSERA_THROTTLE_KEY` (default 1200/min); a request over
    it answers 429 with `Retry-After`."""

    scope = "key"

    def get_rate(self):
        # Read per request, not once at import: the setting can change (tests, reloads).
        return settings.TESSERA_THROTTLE_KEY

    def get_cache_key(self, request, view):
        key = _api_key(request)
        if key is None:
            return None  # not a key's request: another throttle counts it
        return self.cache_format % {"scope": self.scope, "ident": key.pk}


class PersonRateThrottle(throttling.UserRateThrottle):
    """DRF's per-user budget, for people only: a key's principal has no user id (it would
    share one budget with every other key), and keys are counted above."""

    def get_cache_key(self, request, view):
        if _api_key(request) is not None:
            return None
        return super().get_cache_key(request, view)
