"""OpenPGP for CSAF sources (pysequoia): the keys a provider publishes, pinned by fingerprint, and the
check of a document's detached ``.asc`` signature against them."""

from __future__ import annotations

from kommcert.errors import InvalidInput


class SignatureError(InvalidInput):
    """A key that cannot be read or does not match its pin, or a signature that does not verify."""


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def normalise_fingerprint(text: str) -> str:
    return "".join(text.split()).upper()


def read_keys(armored: str | bytes) -> list:
    """The certificates in an armored (or binary) key file; their secret parts are never kept."""
    from pysequoia import Cert

    data = armored.encode() if isinstance(armored, str) else armored
    if not data.strip():
        return []
    try:
        return list(Cert.split_bytes(data))
    except Exception as exc:  # pysequoia raises plain exceptions for malformed input
        raise SignatureError(f"Schlüssel nicht lesbar: {_first_line(exc)}",
                             f"Key cannot be read: {_first_line(exc)}") from None


def fingerprints(armored: str | bytes) -> list[str]:
    return [normalise_fingerprint(c.fingerprint) for c in read_keys(armored)]


def public_armor(armored: str | bytes, *, pinned: list[str]) -> str:
    """The public keys of ``armored`` whose fingerprint is one of ``pinned`` (all, when nothing is
    pinned), armored; refuses a file where no pinned key is found."""
    pins = {normalise_fingerprint(p) for p in pinned if p.strip()}
    chosen = [c for c in read_keys(armored) if not pins or normalise_fingerprint(c.fingerprint) in pins]
    if not chosen:
        raise SignatureError("Kein Schlüssel mit dem erwarteten Fingerabdruck gefunden.",
                             "No key with the expected fingerprint found.")
    return "".join(str(c) for c in chosen)


def verify_detached(data: bytes, signature: bytes, public_keys: str) -> None:
    """Raise ``SignatureError`` unless ``signature`` is a valid signature of ``data`` by one of the keys."""
    from pysequoia import Sig, verify

    certs = read_keys(public_keys)
    if not certs:
        raise SignatureError("Kein öffentlicher Schlüssel für die Signaturprüfung hinterlegt.",
                             "No public key stored to check the signature.")
    try:
        verify(bytes=data, signature=Sig.from_bytes(signature), store=lambda _ids: certs)
    except Exception as exc:
        raise SignatureError(f"Signatur ungültig: {_first_line(exc)}",
                             f"Signature invalid: {_first_line(exc)}") from None
