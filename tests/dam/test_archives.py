"""ZIP archives read entry by entry: whole-archive refusals (too many entries, too much data, a
zip bomb, not a ZIP) and per-entry refusals and skips, each with its stable code."""

import io
import stat
import struct
import tarfile
import zipfile

import pytest

from dam.archives import (
    ArchiveRefused,
    archive_entries,
    archive_entry_count,
    entry_name_refusal,
    is_zip,
)
from dam.validators import UploadRefused
from tests.dam.conftest import image_bytes

JPEG = image_bytes()
LIMITS = {"max_entries": 100, "max_total_bytes": 50 * 1024 * 1024}


def make_zip(entries, *, compression=zipfile.ZIP_DEFLATED) -> io.BytesIO:
    """`entries`: (name, bytes) or (ZipInfo, bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def tar_bytes() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("inside.jpg")
        info.size = len(JPEG)
        archive.addfile(info, io.BytesIO(JPEG))
    return buffer.getvalue()


def gzip_bytes() -> bytes:
    import gzip

    return gzip.compress(JPEG)


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: the high bits of external_attr are the file mode
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def mark_encrypted(buffer: io.BytesIO, name: str) -> io.BytesIO:
    """Set the "encrypted" flag of an entry (local header and central directory), as an
    encrypting archiver would; the zip module cannot write encrypted entries itself."""
    data = bytearray(buffer.getvalue())
    encoded = name.encode()
    for signature, flags_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        at = data.find(signature)
        while data[at + name_at : at + name_at + len(encoded)] != encoded:
            at = data.find(signature, at + 1)
        data[at + flags_at] |= 0x1
    return io.BytesIO(bytes(data))


def judged(buffer, **limits) -> dict[str, str | None]:
    return {
        entry.name: entry.refused.code if entry.refused else None
        for entry in archive_entries(buffer, **{**LIMITS, **limits})
    }


def test_plain_entries_are_read_and_folders_left_out():
    buffer = make_zip([("shoot/", b""), ("shoot/AB_1_hero_1.jpg", JPEG), ("b.jpg", JPEG)])
    entries = list(archive_entries(buffer, **LIMITS))
    assert [(e.name, e.size, e.refused) for e in entries] == [
        ("shoot/AB_1_hero_1.jpg", len(JPEG), None),
        ("b.jpg", len(JPEG), None),
    ]
    for entry in entries:  # still readable after the walk
        with entry.open() as reader:
            assert reader.size == len(JPEG)
            assert reader.read(10) == JPEG[:10]
            reader.seek(0)
            assert reader.read() == JPEG  # seekable: ingest reads it more than once


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../evil.jpg", "path_traversal"),
        ("shoot/../../evil.jpg", "path_traversal"),
        ("shoot\\..\\..\\evil.jpg", "path_traversal"),
        ("/etc/evil.jpg", "absolute_path"),
        ("C:\\Windows\\evil.jpg", "absolute_path"),
        ("c:/evil.jpg", "absolute_path"),
        ("\\\\server\\share\\evil.jpg", "absolute_path"),
        ("__MACOSX/._AB_1_hero_1.jpg", "macos_metadata"),
        (".DS_Store", "hidden_file"),
        ("shoot/.hidden/AB_1.jpg", "hidden_file"),
    ],
)
def test_entry_names_that_are_refused_or_skipped(name, code):
    assert entry_name_refusal(name).code == code
    # The zip module keeps such names as written; the archive is read, the entry refused.
    assert judged(make_zip([(name, JPEG), ("ok.jpg", JPEG)])) == {name: code, "ok.jpg": None}


def test_skipped_codes_are_skips_not_refusals():
    assert entry_name_refusal("__MACOSX/x").skipped
    assert entry_name_refusal(".DS_Store").skipped
    assert not entry_name_refusal("../x.jpg").skipped
    assert entry_name_refusal("shoot/AB_1_hero_1.jpg") is None


def test_symlinks_and_encrypted_entries_are_refused():
    buffer = make_zip(
        [(symlink("link.jpg"), b"/etc/passwd"), ("secret.jpg", JPEG), ("ok.jpg", JPEG)]
    )
    buffer = mark_encrypted(buffer, "secret.jpg")
    assert judged(buffer) == {"link.jpg": "symlink", "secret.jpg": "encrypted", "ok.jpg": None}


def test_nested_archives_are_refused_by_their_bytes_whatever_their_name():
    inner_zip = make_zip([("inside.jpg", JPEG)]).getvalue()
    buffer = make_zip(
        [
            ("photo.jpg", inner_zip),  # a ZIP named like a picture
            ("folder.tar", tar_bytes()),
            ("pack.jpg", gzip_bytes()),
            ("real.zip.jpg", JPEG),  # a picture named like an archive is a picture
        ]
    )
    assert judged(buffer) == {
        "photo.jpg": "nested_archive",
        "folder.tar": "nested_archive",
        "pack.jpg": "nested_archive",
        "real.zip.jpg": None,
    }


def test_too_many_entries_refuse_the_whole_archive():
    buffer = make_zip([(f"{n}.jpg", JPEG) for n in range(4)])
    with pytest.raises(ArchiveRefused) as refused:
        archive_entries(buffer, max_entries=3, max_total_bytes=10**9)
    assert refused.value.code == "too_many_entries"
    assert "4 entries" in refused.value.message


def test_a_declared_entry_count_is_refused_before_the_directory_is_loaded():
    data = bytearray(make_zip([("a.jpg", JPEG), ("b.jpg", JPEG)]).getvalue())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = struct.pack("<HH", 60000, 60000)  # a lie the zip module would act on
    with pytest.raises(ArchiveRefused) as refused:
        archive_entries(io.BytesIO(bytes(data)), max_entries=1000, max_total_bytes=10**9)
    assert refused.value.code == "too_many_entries"
    assert archive_entry_count(io.BytesIO(bytes(data)), max_entries=1000) == 1


def test_too_much_uncompressed_data_refuses_the_whole_archive():
    buffer = make_zip([("a.jpg", JPEG), ("b.jpg", image_bytes(color=(1, 2, 3)))])
    with pytest.raises(ArchiveRefused) as refused:
        archive_entries(buffer, max_entries=10, max_total_bytes=len(JPEG) + 10)
    assert refused.value.code == "too_large_uncompressed"


def test_a_zip_bomb_entry_refuses_the_whole_archive():
    buffer = make_zip([("ok.jpg", JPEG), ("zeros.jpg", bytes(4 * 1024 * 1024))])
    with pytest.raises(ArchiveRefused) as refused:
        archive_entries(buffer, **LIMITS)
    assert refused.value.code == "compression_ratio"
    assert "zeros.jpg" in refused.value.message


def test_a_small_entry_may_compress_well():
    # Under 1 MB the ratio does not matter: a tiny blank file is no bomb.
    assert judged(make_zip([("blank.svg", bytes(100_000))])) == {"blank.svg": None}


def test_a_file_that_is_not_a_zip_is_refused():
    with pytest.raises(ArchiveRefused) as refused:
        archive_entries(io.BytesIO(JPEG), **LIMITS)
    assert refused.value.code == "not_a_zip"
    assert archive_entry_count(io.BytesIO(JPEG), max_entries=10) == 1


def corrupted(content: bytes, at: int) -> io.BytesIO:
    """A stored entry whose bytes from `at` on no longer match their CRC."""
    data = bytearray(make_zip([("a.jpg", content)], compression=zipfile.ZIP_STORED).getvalue())
    start = data.find(content[:64]) + at
    data[start : start + 20] = bytes(20)
    return io.BytesIO(bytes(data))


def test_a_corrupt_entry_is_refused_while_reading_not_trusted():
    content = JPEG + bytes(range(256)) * 200  # longer than the head read to sniff it
    entry = next(archive_entries(corrupted(content, 30_000), **LIMITS))
    assert entry.refused is None  # its head is intact
    with entry.open() as reader, pytest.raises(UploadRefused) as refused:
        while reader.read(4096):
            pass
    assert refused.value.code == "corrupt_entry"


def test_a_short_corrupt_entry_is_refused_when_sniffed():
    [entry] = archive_entries(corrupted(JPEG, 200), **LIMITS)
    assert entry.refused.code == "corrupt_entry"


def test_entry_count_for_progress_leaves_folders_out():
    buffer = make_zip([("a/", b""), ("a/1.jpg", JPEG), ("2.jpg", JPEG)])
    assert archive_entry_count(buffer, max_entries=10) == 2


def test_a_zip_is_known_by_its_bytes_and_zip_based_documents_are_not_folders():
    import openpyxl

    workbook = io.BytesIO()
    openpyxl.Workbook().save(workbook)
    assert is_zip(make_zip([("a.jpg", JPEG)]))
    assert not is_zip(io.BytesIO(JPEG))
    assert not is_zip(workbook)  # an XLSX is a ZIP inside, but a file to the library
    assert workbook.tell() == 0  # rewound for whoever reads it next
