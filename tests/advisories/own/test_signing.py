"""The signing key: made once and reused, or taken from KOMMCERT_CSAF_SIGNING_KEY_FILE (secret not stored)."""

from __future__ import annotations

import pysequoia
import pytest

from kommcert.advisories import signing
from kommcert.errors import DomainError


def test_it_makes_one_key_and_keeps_signing_with_it(db, settings) -> None:  # noqa: ANN001
    _, first = signing.sign(db, settings=settings, data=b"a")
    _, second = signing.sign(db, settings=settings, data=b"b")
    assert first == second and len(signing.public_keys(db)) == 1


def test_it_signs_with_the_key_file_and_keeps_only_its_public_half(db, settings, tmp_path) -> None:  # noqa: ANN001
    tsk = pysequoia.Tsk.generate("Test <csaf@example.test>")
    path = tmp_path / "key.asc"
    path.write_bytes(str(tsk).encode())
    configured = settings.model_copy(update={"csaf_signing_key_file": str(path)})
    armored, fingerprint = signing.sign(db, settings=configured, data=b"hello")
    cert = tsk.extract_certificate()
    assert fingerprint == cert.fingerprint.lower()
    pysequoia.verify(bytes=b"hello", signature=pysequoia.Sig.from_bytes(armored.encode()), store=lambda ids: [cert])
    row = signing.public_key(db, fingerprint)
    assert row is not None and row.secret_key == "" and row.active


def test_an_unreadable_key_file_is_one_clear_error(db, settings, tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "bad.asc").write_text("kein Schlüssel")
    configured = settings.model_copy(update={"csaf_signing_key_file": str(tmp_path / "bad.asc")})
    with pytest.raises(DomainError, match="KOMMCERT_CSAF_SIGNING_KEY_FILE"):
        signing.sign(db, settings=configured, data=b"x")
