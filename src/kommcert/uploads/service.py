"""Spool an uploaded file to disk once; hand it to a later step or a job; remove it when used.

A file is written in chunks while its SHA-256 is computed, so memory stays flat for any size up to
``KOMMCERT_MAX_UPLOAD_BYTES``. Only its uploader may use it; after ``KEEP`` it is purged (the periodic
job ``purge-uploads`` of ``kommcert worker``, hourly; ``get_own`` refuses it from then on anyway).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import NotFound, PermissionDenied, TooLarge
from kommcert.sharing.actor import Actor
from kommcert.uploads.models import Upload

CHUNK = 1024 * 1024
KEEP = timedelta(days=1)


def directory(settings: Settings) -> Path:
    path = Path(settings.upload_dir) if settings.upload_dir else Path(tempfile.gettempdir()) / "kommcert-uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def path_of(settings: Settings, upload: Upload) -> Path:
    return directory(settings) / upload.id


def _clean_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:255] or "upload"


def spool(db: Session, *, actor: Actor, settings: Settings, stream: IO[bytes], filename: str) -> Upload:
    """Copy ``stream`` to the upload directory; refuse files over the limit (an empty file is left to
    the reader of its format, which says what is missing in the same words on every path)."""
    if actor.user_id is None or actor.org_id is None or not actor.can_write:
        raise PermissionDenied("Dieser Zugang darf keine Dateien hochladen.", "This credential may not upload files.")
    upload_id = secrets.token_hex(16)
    target = directory(settings) / upload_id
    digest, size = hashlib.sha256(), 0
    try:
        with open(target, "xb") as out:
            os.chmod(target, 0o600)
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise TooLarge("Die Datei ist zu groß.", "The file is too large.")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    upload = Upload(id=upload_id, user_id=actor.user_id, org_id=actor.org_id, filename=_clean_name(filename),
                    size=size, sha256=digest.hexdigest())
    db.add(upload)
    db.flush()
    return upload


def get_own(db: Session, *, actor: Actor, upload_id: str) -> Upload:
    """The actor's own upload, still on disk; anyone else's is 'not found'."""
    upload = db.get(Upload, upload_id) if len(upload_id) == 32 else None
    if upload is None or upload.user_id != actor.user_id or upload.created_at < utcnow() - KEEP:
        raise NotFound("Die hochgeladene Datei ist nicht mehr da. Bitte erneut hochladen.",
                       "The uploaded file is gone. Please upload it again.")
    return upload


def _unlink(settings: Settings, upload_id: str) -> None:
    base = directory(settings) / upload_id
    base.unlink(missing_ok=True)
    base.with_suffix(".progress").unlink(missing_ok=True)


def discard(db: Session, *, settings: Settings, upload: Upload) -> None:
    _unlink(settings, upload.id)
    db.delete(upload)
    db.flush()


def purge_expired(db: Session, *, settings: Settings) -> int:
    """Forget uploads older than ``KEEP`` (rows and files)."""
    cutoff = utcnow() - KEEP
    expired = db.scalars(select(Upload.id).where(Upload.created_at < cutoff)).all()
    for upload_id in expired:
        _unlink(settings, upload_id)
    if expired:
        db.execute(delete(Upload).where(Upload.id.in_(expired)))
    # Files whose row was rolled back (a preview that failed) go by their age.
    for entry in os.scandir(directory(settings)):
        try:
            if entry.is_file() and entry.stat().st_mtime < cutoff.timestamp():
                os.unlink(entry.path)
        except OSError:
            pass
    return len(expired)
