"""The OpenPGP key that signs the CERT's own CSAF documents (detached, armored ``.asc``).

Where the key comes from: ``KOMMCERT_CSAF_SIGNING_KEY_FILE`` (an armored secret key without passphrase)
when set — its public half is recorded in ``csaf_signing_keys`` so the provider lists it, its secret stays
in the file; else a key made with pysequoia on the first publication and kept in the table, secret
included. The trade-off: the generated key needs no setup, but whoever reads the database or a backup
can sign as the CERT; an operator who wants the secret elsewhere (a mounted secret, later an HSM) sets
the file. Only the newest active key signs; older public keys stay listed so old signatures verify.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kommcert.advisories.models import CsafSigningKey
from kommcert.config import Settings
from kommcert.errors import DomainError


class SigningKeyError(DomainError):
    status_code = 500


def _sequoia():  # noqa: ANN202
    import pysequoia

    return pysequoia


def _from_file(db: Session, path: str) -> tuple[object, CsafSigningKey]:
    pgp = _sequoia()
    try:
        tsk = pgp.Tsk.from_bytes(Path(path).read_bytes())
    except (OSError, ValueError, RuntimeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SigningKeyError(f"KOMMCERT_CSAF_SIGNING_KEY_FILE: Schlüssel nicht lesbar ({first}).",
                              f"KOMMCERT_CSAF_SIGNING_KEY_FILE: cannot read the key ({first}).") from None
    cert = tsk.extract_certificate()
    fingerprint = str(cert.fingerprint).lower()
    row = db.scalar(select(CsafSigningKey).where(CsafSigningKey.fingerprint == fingerprint))
    if row is None or not row.active:
        db.execute(update(CsafSigningKey).where(CsafSigningKey.active.is_(True)).values(active=False))
        if row is None:
            row = CsafSigningKey(fingerprint=fingerprint, public_key=str(cert), secret_key="", active=True)
            db.add(row)
        row.active = True
        db.flush()
    return tsk, row


def _generated(db: Session, settings: Settings) -> tuple[object, CsafSigningKey]:
    pgp = _sequoia()
    row = db.scalar(select(CsafSigningKey).where(CsafSigningKey.active.is_(True), CsafSigningKey.secret_key != "")
                    .order_by(CsafSigningKey.created_at.desc(), CsafSigningKey.id.desc()).limit(1))
    if row is not None:
        return pgp.Tsk.from_bytes(row.secret_key.encode()), row
    from urllib.parse import urlsplit

    host = urlsplit(settings.base_url).hostname or "localhost"
    tsk = pgp.Tsk.generate(f"{settings.cert_name} CSAF <csaf@{host}>")
    cert = tsk.extract_certificate()
    db.execute(update(CsafSigningKey).where(CsafSigningKey.active.is_(True)).values(active=False))
    row = CsafSigningKey(fingerprint=str(cert.fingerprint).lower(), public_key=str(cert), secret_key=str(tsk),
                         active=True)
    db.add(row)
    db.flush()
    return tsk, row


def active_key(db: Session, *, settings: Settings) -> tuple[object, CsafSigningKey]:
    """The secret key that signs now and its row (made on first use when no file is configured)."""
    if settings.csaf_signing_key_file:
        return _from_file(db, settings.csaf_signing_key_file)
    return _generated(db, settings)


def sign(db: Session, *, settings: Settings, data: bytes) -> tuple[str, str]:
    """A detached armored signature of ``data`` and the signing key's fingerprint."""
    pgp = _sequoia()
    tsk, row = active_key(db, settings=settings)
    signature = pgp.sign(tsk.signer(), data, mode=pgp.SignatureMode.DETACHED)  # type: ignore[attr-defined]
    return signature.decode("ascii"), row.fingerprint


def public_keys(db: Session) -> list[CsafSigningKey]:
    """Every key that ever signed, the active one first."""
    return list(db.scalars(select(CsafSigningKey).order_by(CsafSigningKey.active.desc(),
                                                           CsafSigningKey.created_at.desc())))


def public_key(db: Session, fingerprint: str) -> CsafSigningKey | None:
    return db.scalar(select(CsafSigningKey).where(CsafSigningKey.fingerprint == fingerprint.lower()))
