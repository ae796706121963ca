"""Uploaded files kept in the database (report discussions, incidents): one set of rules.

The delivery layer reads the upload into an :class:`Upload`; the domain checks it (count, empty,
``KOMMCERT_MAX_ATTACHMENT_BYTES``) before anything is written, and stores a cleaned name, a
declared content type it only repeats if it looks like one, the size and the SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from kommcert.errors import InvalidInput, TooLarge

MAX_FILES = 10
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]{0,40}/[\w.+-]{1,58}")


@dataclass(frozen=True)
class Upload:
    """A file as the delivery layer received it."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class StoredFile:
    """What is kept besides the bytes."""

    filename: str
    content_type: str
    size: int
    sha256: str


def safe_filename(name: str) -> str:
    """The last path segment, without control or format characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = stem[: 199 - len(ext)] + "." + ext if dot and len(ext) <= 20 else name[:200]
    return name or "anhang"


def check_uploads(uploads: Sequence[Upload], max_bytes: int) -> None:
    """Refuse too many, empty or too large files, before anything is written."""
    if len(uploads) > MAX_FILES:
        raise InvalidInput(f"Höchstens {MAX_FILES} Dateien auf einmal.", f"At most {MAX_FILES} files at once.")
    for upload in uploads:
        name = safe_filename(upload.filename)
        if not upload.data:
            raise InvalidInput(f"Die Datei „{name}“ ist leer.", f"The file '{name}' is empty.")
        if len(upload.data) > max_bytes:
            mib = f"{max_bytes / 1024 / 1024:.3g}"
            raise TooLarge(f"Die Datei „{name}“ ist größer als {mib.replace('.', ',')} MiB.",
                           f"The file '{name}' is larger than {mib} MiB.")


def describe(upload: Upload) -> StoredFile:
    content_type = upload.content_type.split(";", 1)[0].strip().lower()
    return StoredFile(
        filename=safe_filename(upload.filename),
        content_type=content_type if _CONTENT_TYPE.fullmatch(content_type) else "application/octet-stream",
        size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest())
