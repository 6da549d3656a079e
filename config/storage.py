"""Local file storage whose URLs are short-lived signed links, as S3 presigned URLs are.

Files are private: a URL is only good for SIGNED_URL_MAX_AGE seconds, and the serving view
answers so that no stored file can run script in our origin.
"""

from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage

SALT = "tessera.files"


class SignedFileSystemStorage(FileSystemStorage):
    def url(self, name):
        token = signing.dumps(name, salt=SALT, compress=True)
        basename = quote(name.rsplit("/", 1)[-1])
        return f"{self.base_url}{token}/{basename}"


def name_from_token(token: str) -> str:
    """The stored name a signed URL points at; BadSignature when forged or expired."""
    return signing.loads(token, salt=SALT, max_age=settings.SIGNED_URL_MAX_AGE)
