"""ZIP archives of media, read entry by entry without extracting anything to disk by name.

A whole archive is refused before any entry is read when it declares too many entries, too
much uncompressed data, or an entry compressed beyond any real file's ratio (a zip bomb).
Each entry is then judged on its own: path tricks (`..`, absolute paths), symlinks, encrypted
entries and archives inside the archive (sniffed from the bytes, never the name) are refused;
folders are passed over; macOS resource forks and hidden files are skipped with the reason.
What an entry holds is validated as a normal upload by `dam.services.assets_ingest`.
"""

import io
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from dam.validators import UploadRefused, sniff

# Beyond this ratio an entry over BOMB_MIN_BYTES is a bomb: real media barely compresses.
BOMB_RATIO = 200
BOMB_MIN_BYTES = 1024 * 1024
SNIFF_BYTES = 8 * 1024  # enough for tar's "ustar" at offset 257 and every other signature
ARCHIVE_TYPES = {
    "application/zip",
    "application/x-zip-compressed",
    "application/x-tar",
    "application/gzip",
    "application/x-gzip",
    "application/x-bzip2",
    "application/x-xz",
    "application/x-lzma",
    "application/x-lzip",
    "application/zstd",
    "application/x-compress",
    "application/x-7z-compressed",
    "application/x-rar",
    "application/vnd.rar",
    "application/x-rar-compressed",
    "application/x-cpio",
    "application/x-archive",
    "application/x-iso9660-image",
    "application/java-archive",
}
# What libmagic calls a ZIP that is only a ZIP (a DOCX or an EPUB is named as such).
PLAIN_ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/octet-stream"}
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
EOCD = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_EOCD = b"PK\x06\x06"
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveRefused(ValueError):
    """An archive, or one entry of it, that is not imported: `code` for machines, `message`
    for people. Codes of SKIPPED_CODES are passed over rather than refused."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message

    @property
    def skipped(self) -> bool:
        return self.code in SKIPPED_CODES


SKIPPED_CODES = {"macos_metadata", "hidden_file"}


def is_archive_head(head: bytes) -> str | None:
    """The archive type the first bytes show (ZIP-based formats included), or None."""
    if head.startswith(ZIP_SIGNATURES):
        return "application/zip"
    mime = sniff(head)
    if mime in ARCHIVE_TYPES or mime.endswith("+zip"):
        return mime
    return None


def is_zip(file: BinaryIO) -> bool:
    """Whether the file's bytes are a plain ZIP archive (its name is not asked); formats built
    on ZIP (DOCX, XLSX, EPUB, JAR) are files, not folders of media. Rewinds it."""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if not head.startswith(ZIP_SIGNATURES):
        return False
    try:
        return sniff(head) in PLAIN_ZIP_TYPES
    except UploadRefused:  # no sniffer: the signature has to do
        return True


class EntryReader(io.RawIOBase):
    """An entry's bytes as a seekable binary file of its declared `size`; reading more than it
    declared is refused (the zip module stops there too: this says so instead of trusting it)."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo):
        super().__init__()
        self._archive, self._info = archive, info
        self._stream = archive.open(info)
        self.name = info.filename
        self.size = info.file_size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._stream.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise UploadRefused(
                "corrupt_entry", f"The entry cannot be read from the archive: {exc}."
            ) from None
        if self._stream.tell() > self.size:
            raise UploadRefused(
                "size_mismatch", "The entry holds more bytes than the archive declares."
            )
        return data

    def readall(self) -> bytes:  # never called by ingest: it reads in chunks
        return self.read(-1)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def close(self) -> None:
        self._stream.close()
        super().close()


@dataclass
class ArchiveEntry:
    name: str  # as the archive names it (folders included)
    size: int  # uncompressed, as declared (reading more is refused)
    refused: ArchiveRefused | None
    _archive: zipfile.ZipFile
    _info: zipfile.ZipInfo

    def open(self) -> EntryReader:
        """The entry's bytes, decompressed as they are read."""
        return EntryReader(self._archive, self._info)


def _declared_entry_count(file: BinaryIO) -> int | None:
    """The entry count the end-of-archive record declares (ZIP64 too), read before the zip
    module loads the whole central directory into memory; None when there is no record."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    tail_start = max(0, size - (22 + 65535 + 20))
    file.seek(tail_start)
    tail = file.read()
    at = tail.rfind(EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    count = struct.unpack("<H", tail[at + 10 : at + 12])[0]
    locator = tail.rfind(ZIP64_LOCATOR, 0, at)
    if locator >= 0 and at - locator == 20:
        offset = struct.unpack("<Q", tail[locator + 8 : locator + 16])[0]
        file.seek(offset)
        record = file.read(56)
        if len(record) == 56 and record.startswith(ZIP64_EOCD):
            count = max(count, struct.unpack("<Q", record[32:40])[0])
    return count


def _archive_check(infos: list[zipfile.ZipInfo], *, max_entries: int, max_total_bytes: int):
    if len(infos) > max_entries:
        raise ArchiveRefused(
            "too_many_entries",
            f"The archive has {len(infos):,} entries; at most {max_entries:,} are accepted.",
        )
    total = sum(info.file_size for info in infos)
    if total > max_total_bytes:
        raise ArchiveRefused(
            "too_large_uncompressed",
            f"The archive unpacks to {total:,} bytes; at most {max_total_bytes:,} are accepted.",
        )
    for info in infos:
        if info.file_size > BOMB_MIN_BYTES and info.file_size > BOMB_RATIO * max(
            info.compress_size, 1
        ):
            raise ArchiveRefused(
                "compression_ratio",
                f"{info.filename} unpacks {info.file_size:,} bytes from {info.compress_size:,}: "
                f"more than {BOMB_RATIO}:1, a zip bomb.",
            )


def entry_name_refusal(name: str) -> ArchiveRefused | None:
    """Why an entry's name is refused or skipped (path tricks, system files), or None."""
    if "\x00" in name:
        return ArchiveRefused("invalid_name", "The entry's name holds a NUL character.")
    if name.startswith(("/", "\\")) or WINDOWS_DRIVE.match(name):
        return ArchiveRefused("absolute_path", "The entry's path is absolute.")
    parts = [part for part in re.split(r"[/\\]", name) if part]
    if ".." in parts:
        return ArchiveRefused("path_traversal", "The entry's path climbs out of the archive (..).")
    if parts and parts[0] == "__MACOSX":
        return ArchiveRefused("macos_metadata", "macOS resource data (__MACOSX), not a file.")
    if any(part.startswith(".") for part in parts):
        return ArchiveRefused("hidden_file", "A hidden file or folder (its name starts with '.').")
    return None


def _entry_refusal(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ArchiveRefused | None:
    refused = entry_name_refusal(info.filename)
    if refused is not None:
        return refused
    if stat.S_ISLNK(info.external_attr >> 16):
        return ArchiveRefused("symlink", "The entry is a symbolic link.")
    if info.flag_bits & 0x1:
        return ArchiveRefused("encrypted", "The entry is encrypted.")
    try:
        with archive.open(info) as stream:
            head = stream.read(SNIFF_BYTES)
        kind = is_archive_head(head) if head else None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        return ArchiveRefused("corrupt_entry", f"The entry cannot be read: {exc}.")
    except UploadRefused as exc:  # no sniffer: nothing can be judged
        return ArchiveRefused(exc.code, exc.message)
    if kind is not None:
        return ArchiveRefused(
            "nested_archive", f"The entry is itself an archive ({kind}); it is not unpacked."
        )
    return None


def archive_entries(
    file: BinaryIO, *, max_entries: int, max_total_bytes: int
) -> Iterator[ArchiveEntry]:
    """The entries of a ZIP (a seekable binary file), folders left out, each with why it is
    refused or skipped (None: import it). Raises ArchiveRefused at once when the whole archive
    is: not a ZIP, too many entries, too much uncompressed data, or a zip bomb."""
    declared = _declared_entry_count(file)
    if declared is not None and declared > max_entries:
        raise ArchiveRefused(
            "too_many_entries",
            f"The archive has {declared:,} entries; at most {max_entries:,} are accepted.",
        )
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise ArchiveRefused(
            "not_a_zip", f"The file is not a readable ZIP archive: {exc}."
        ) from None
    infos = archive.infolist()
    _archive_check(infos, max_entries=max_entries, max_total_bytes=max_total_bytes)
    return _entries(archive, infos)


def _entries(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> Iterator[ArchiveEntry]:
    # The archive is not closed here: an entry may be opened after the walk moved on, and a
    # ZipFile given a file object owns nothing (the caller closes the file).
    for info in infos:
        if info.is_dir():
            continue
        yield ArchiveEntry(
            name=info.filename,
            size=info.file_size,
            refused=_entry_refusal(archive, info),
            _archive=archive,
            _info=info,
        )


def archive_entry_count(file: BinaryIO, *, max_entries: int) -> int:
    """How many files (folders aside) a ZIP holds, for progress: 1 for an archive that will be
    refused whole before its entries are read (unreadable, or declaring too many)."""
    declared = _declared_entry_count(file)
    if declared is not None and declared > max_entries:
        return 1
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            return max(1, sum(1 for info in archive.infolist() if not info.is_dir()))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError):
        return 1
