"""Webhook secrets and signatures, as the Standard Webhooks specification has them.

A secret reads `whsec_<base64 of 32 random bytes>`; the signing key is those bytes. A message
is signed as `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`; during a
rotation both secrets sign, the signatures separated by a space.

Secrets are stored encrypted, not hashed: the server has to sign with them, so it needs them
back. The encryption key is derived from SECRET_KEY (Fernet: AES-128-CBC + HMAC-SHA256), with
SECRET_KEY_FALLBACKS still able to decrypt, so rotating SECRET_KEY the Django way keeps the
stored secrets readable (re-encrypted with the new key on their next rotation).
"""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

PREFIX = "whsec_"
SECRET_BYTES = 32
_SALT = "tessera.linking.webhook-secret"


def secret_generate() -> str:
    """A new endpoint secret, `whsec_…`."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(_SALT, "", secret=key, algorithm="sha256").digest()
                )
            )
            for key in keys
        ]
    )


def secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def secret_decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode("ascii")).decode("ascii")


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 signature>` of one message with one secret."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(secrets_: list[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: one signature per secret still valid, space-separated."""
    return " ".join(signature(secret, message_id, timestamp, body) for secret in secrets_)
