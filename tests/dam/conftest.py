import io

import pytest
from PIL import Image

from governance import services as governance
from governance.models import Locale
from tests.governance.factories import UserFactory


def image_bytes(size=(64, 48), color=(200, 30, 30), fmt="JPEG", mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color if mode != "RGBA" else (*color, 128)).save(buffer, fmt)
    return buffer.getvalue()


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    # The declared content type is a lie on purpose: it must never matter.
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture
def librarian(api_client, db):
    for code in ("en_US", "fr_FR"):
        governance.code_entry_create(model=Locale, code=code)
    api_client.force_authenticate(
        UserFactory(
            username="librarian",
            permissions=[f"dam.{a}_asset" for a in ("add", "change", "delete", "view")],
        )
    )
    return api_client
