"""kommcert as a CSAF 2.0 trusted provider of the CERT's own warnings: what ``/.well-known/csaf/``
serves, always through the policy.

Layout (CSAF 2.0 §7.1): ``provider-metadata.json``; one directory per TLP label (``white/`` public,
``green/``, ``amber/``, ``red/`` for a logged-in reader or a Bearer token) with ``index.txt``,
``changes.csv``, ``<year>/<file>.json`` and its ``.sha256``, ``.sha512`` and ``.asc``, and a ROLIE feed
``csaf-feed-tlp-<dir>.json``; the public keys under ``openpgp/``. Only published, not withdrawn own
warnings; every list and document is narrowed by ``policy.visible`` to what the reader may see, so a
listing never counts a hidden warning and a hidden document is "not found". TLP:AMBER+STRICT warnings
live in ``amber/`` (CSAF 2.0 has no STRICT) and are seen there by their audience only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.advisories import csaf_builder, signing
from kommcert.advisories.authoring import canonical_bytes
from kommcert.advisories.models import Advisory, AdvisoryOrigin, AdvisoryState
from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import NotFound
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor

DIRECTORIES = ("white", "green", "amber", "red")
PUBLIC_DIRECTORY = "white"
_KOMMCERT_TLPS = {"white": ("clear",), "green": ("green",), "amber": ("amber", "amber+strict"), "red": ("red",)}
ROLE = "csaf_trusted_provider"  # directory distribution, ROLIE feeds, hashes and signatures


def root(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/.well-known/csaf"


def document_url(base_url: str, tlp: str, year: int, tracking_id: str) -> str:
    return f"{root(base_url)}/{csaf_builder.directory(tlp)}/{year}/{csaf_builder.filename(tracking_id)}"


def feed_name(directory: str) -> str:
    return f"csaf-feed-tlp-{directory}.json"


def _published(directory: str) -> Any:
    return select(Advisory).where(
        Advisory.origin == AdvisoryOrigin.own, Advisory.state == AdvisoryState.published,
        Advisory.withdrawn_at.is_(None), Advisory.tlp.in_(_KOMMCERT_TLPS[directory]))


def warnings(db: Session, *, actor: Actor, directory: str) -> list[Advisory]:
    """The published own warnings of one directory the reader may see, newest change first."""
    if directory not in DIRECTORIES:
        raise NotFound()
    stmt = _published(directory).order_by(Advisory.current_release_date.desc(), Advisory.id.desc())
    return list(db.scalars(policy.visible(stmt, Advisory, actor)))


def path_of(advisory: Advisory) -> str:
    """``<year>/<file>.json`` inside its directory (the year of the first release, CSAF §7.1.9)."""
    year = (advisory.initial_release_date or advisory.created_at).year
    return f"{year}/{csaf_builder.filename(advisory.tracking_id)}"


def index_txt(db: Session, *, actor: Actor, directory: str) -> str:
    return "".join(f"{path_of(a)}\n" for a in warnings(db, actor=actor, directory=directory))


def changes_csv(db: Session, *, actor: Actor, directory: str) -> str:
    """CSAF §7.1.13: ``"path","current_release_date"``, newest first."""
    return "".join(f'"{path_of(a)}","{csaf_builder.iso(a.current_release_date or a.updated_at)}"\n'
                   for a in warnings(db, actor=actor, directory=directory))


@dataclass(frozen=True)
class File:
    body: bytes
    media_type: str
    last_modified: datetime
    etag: str


def _find(db: Session, actor: Actor, directory: str, year: str, name: str) -> tuple[Advisory, bytes]:
    for advisory in warnings(db, actor=actor, directory=directory):
        if path_of(advisory) == f"{year}/{name}":
            return advisory, canonical_bytes(advisory.document)
    raise NotFound()


def document_file(db: Session, *, actor: Actor, settings: Settings, directory: str, year: str,
                  name: str) -> File:
    """``<file>.json`` or its ``.sha256``, ``.sha512``, ``.asc``; anything the reader may not see is 404."""
    for suffix in (".sha256", ".sha512", ".asc", ""):
        if name.endswith(".json" + suffix):
            break
    else:
        raise NotFound()
    advisory, raw = _find(db, actor, directory, year, name.removesuffix(suffix))
    filename = name.removesuffix(suffix)
    if suffix == ".sha256":
        body, media = f"{hashlib.sha256(raw).hexdigest()}  {filename}\n".encode(), "text/plain"
    elif suffix == ".sha512":
        body, media = f"{hashlib.sha512(raw).hexdigest()}  {filename}\n".encode(), "text/plain"
    elif suffix == ".asc":
        body, media = _signature(db, settings, advisory, raw).encode("ascii"), "application/pgp-signature"
    else:
        body, media = raw, "application/json"
    moment = advisory.current_release_date or advisory.updated_at
    return File(body, media, moment, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def _signature(db: Session, settings: Settings, advisory: Advisory, raw: bytes) -> str:
    """The signature made at publication; should the stored one not fit these bytes (a key file was
    changed and the document re-signed elsewhere), sign them now with the active key."""
    stored = (advisory.draft or {}).get("signature") or {}
    if stored.get("sha256") == hashlib.sha256(raw).hexdigest() and stored.get("asc"):
        return str(stored["asc"])
    return signing.sign(db, settings=settings, data=raw)[0]


def last_updated(db: Session, *, actor: Actor) -> datetime:
    """The newest change the reader may see (so the public metadata does not move with hidden
    warnings); without any, the first key's creation, else now."""
    moments = []
    for directory in DIRECTORIES:
        found = warnings(db, actor=actor, directory=directory)
        if found:
            moments.append(found[0].current_release_date or found[0].updated_at)
    if moments:
        return max(moments)
    keys = signing.public_keys(db)
    return min((k.created_at for k in keys), default=utcnow())


def metadata(db: Session, *, actor: Actor, settings: Settings, base_url: str) -> dict[str, Any]:
    from kommcert.advisories.authoring import namespace

    base = root(base_url)
    keys = [{"fingerprint": k.fingerprint.upper(), "url": f"{base}/openpgp/{k.fingerprint.upper()}.asc"}
            for k in signing.public_keys(db)]
    label = {"white": "WHITE", "green": "GREEN", "amber": "AMBER", "red": "RED"}
    return {
        "canonical_url": f"{base}/provider-metadata.json",
        "distributions": [{"directory_url": f"{base}/{d}/"} for d in DIRECTORIES] + [{"rolie": {"feeds": [
            {"summary": f"Warnungen TLP:{label[d]}", "tlp_label": label[d], "url": f"{base}/{d}/{feed_name(d)}"}
            for d in DIRECTORIES]}}],
        "last_updated": csaf_builder.iso(last_updated(db, actor=actor)),
        "list_on_CSAF_aggregators": False,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": False,
        "public_openpgp_keys": keys,
        "publisher": {"category": "coordinator", "name": settings.cert_name, "namespace": namespace(settings)},
        "role": ROLE,
    }


def rolie_feed(db: Session, *, actor: Actor, base_url: str, directory: str) -> dict[str, Any]:
    base = root(base_url)
    found = warnings(db, actor=actor, directory=directory)
    entries = []
    for advisory in found:
        url = f"{base}/{directory}/{path_of(advisory)}"
        entries.append({
            "id": advisory.tracking_id, "title": advisory.title,
            "link": [{"rel": "self", "href": url}, {"rel": "hash", "href": url + ".sha256"},
                     {"rel": "hash", "href": url + ".sha512"}, {"rel": "signature", "href": url + ".asc"}],
            "published": csaf_builder.iso(advisory.initial_release_date or advisory.created_at),
            "updated": csaf_builder.iso(advisory.current_release_date or advisory.updated_at),
            "content": {"type": "application/json", "src": url},
            "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"},
        })
    updated = found[0].current_release_date if found and found[0].current_release_date \
        else last_updated(db, actor=actor)
    return {"feed": {
        "id": f"csaf-feed-tlp-{directory}", "title": f"Warnungen TLP:{directory.upper()}",
        "link": [{"rel": "self", "href": f"{base}/{directory}/{feed_name(directory)}"}],
        "category": [{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}],
        "updated": csaf_builder.iso(updated), "entry": entries}}


def public_key_file(db: Session, fingerprint: str) -> str:
    key = signing.public_key(db, fingerprint.removesuffix(".asc"))
    if key is None:
        raise NotFound()
    return key.public_key


def security_txt(settings: Settings, base_url: str) -> str:
    """RFC 9116 with the CSAF line (CSAF 2.0 §7.1.8)."""
    expires = utcnow().replace(microsecond=0) + timedelta(days=365)
    phone = "".join(c for c in settings.cert_hotline if c.isdigit() or c == "+")
    lines = [f"Contact: tel:{phone}" if phone else f"Contact: {base_url}",
             f"Expires: {csaf_builder.iso(expires)}", "Preferred-Languages: de, en",
             f"CSAF: {root(base_url)}/provider-metadata.json"]
    return "\n".join(lines) + "\n"
