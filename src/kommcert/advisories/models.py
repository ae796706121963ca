"""Warn- und Informationsdienst: advisories (CSAF documents pulled or uploaded, and the CERT's own
warnings), their sources, revisions and quarantine, the flattened products they name, the result of
matching them against each organisation's inventory, and each organisation's status.

An advisory is a ``Shared`` object: its TLP is the CSAF document's (``document.distribution.tlp``),
AMBER and RED documents get the default audience of their source. Everything else here is a part
of an advisory (revisions, products) or of an advisory *and* an organisation's inventory (matches,
statuses): whoever reads it must see both.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow
from kommcert.sharing.models import Shared


class Risk(StrEnum):
    """The German four-step scale of the WID (and of the CERT's own warnings)."""

    niedrig = "niedrig"
    mittel = "mittel"
    hoch = "hoch"
    kritisch = "kritisch"

    @property
    def rank(self) -> int:
        return RISK_ORDER.index(self)


RISK_ORDER = [Risk.niedrig, Risk.mittel, Risk.hoch, Risk.kritisch]


class AdvisoryOrigin(StrEnum):
    csaf = "csaf"  # a CSAF document from a source or an upload
    own = "own"  # written by an analyst in kommcert, served as CSAF from our provider endpoints


class AdvisoryState(StrEnum):
    draft = "draft"  # own warnings only: visible to the author's organisation's writers
    published = "published"


class MatchResult(StrEnum):
    affected = "affected"  # betroffen
    possibly = "possibly"  # möglicherweise betroffen
    not_affected = "not_affected"  # nicht betroffen
    fixed = "fixed"  # behoben (the inventory's version is a fixed one)


class OrgStatus(StrEnum):
    open = "open"  # offen
    in_progress = "in_progress"  # in Bearbeitung
    done = "done"  # behoben
    not_affected = "not_affected"  # nicht betroffen


class CsafSource(Base):
    """Where CSAF documents come from: a provider (``provider-metadata.json`` or its domain, found by
    discovery), an aggregator (``aggregator.json``), a directory (``index.txt``/``changes.csv``) or a
    ROLIE feed. Pulled by the ``csaf-pull`` periodic job and ``kommcert advisories pull``."""

    __tablename__ = "csaf_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(16), default="provider")  # provider|aggregator|directory|rolie|domain
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Documents marked AMBER/RED get this audience: [{"org_id": 3, "subtree": true}, {"user_id": 9}]
    default_audience: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # OpenPGP public keys (armored), taken from the provider's metadata on first pull or pasted by an
    # admin; ``key_fingerprints`` pins them when set.
    public_keys: Mapped[str] = mapped_column(Text, default="")
    key_fingerprints: Mapped[list[str]] = mapped_column(JSON, default=list)
    require_signature: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # What the last pulls saw (per-URL validators, the newest changes.csv line, ROLIE updated), so
    # the next pull only fetches what changed.
    cursor: Mapped[dict] = mapped_column(JSON, default=dict)
    last_pull_at: Mapped[datetime | None] = mapped_column(default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_counts: Mapped[dict] = mapped_column(JSON, default=dict)  # {"new": 3, "updated": 1, "quarantined": 1, ...}
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Advisory(Shared, Base):
    """One advisory, identified by (publisher namespace, tracking id); the newest revision wins and
    its fields are copied here, older ones stay in :class:`AdvisoryRevision`."""

    __tablename__ = "advisories"
    __share_type__ = "advisory"
    __table_args__ = (UniqueConstraint("publisher_namespace", "tracking_id", name="uq_advisories_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    origin: Mapped[AdvisoryOrigin] = mapped_column(String(8), default=AdvisoryOrigin.csaf)
    state: Mapped[AdvisoryState] = mapped_column(String(12), default=AdvisoryState.published)
    publisher_namespace: Mapped[str] = mapped_column(String(500))
    publisher_name: Mapped[str] = mapped_column(String(300), default="")
    tracking_id: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(64), default="1")
    category: Mapped[str] = mapped_column(String(64), default="csaf_security_advisory")
    lang: Mapped[str] = mapped_column(String(16), default="de")
    title: Mapped[str] = mapped_column(String(500))
    risk: Mapped[Risk] = mapped_column(String(12), default=Risk.mittel, index=True)
    cvss_max: Mapped[float | None] = mapped_column(Float, default=None)
    cves: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Own warnings: German texts (CSAF notes are built from them); pulled ones: the summary note.
    summary: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    references: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"url":…, "summary":…}]
    # Own warnings: the authoring form's input (products from the catalogue, CVEs with vectors), from
    # which ``document`` is built on publish.
    draft: Mapped[dict] = mapped_column(JSON, default=dict)
    document: Mapped[dict] = mapped_column(JSON, default=dict)  # the current revision's CSAF document
    source_id: Mapped[int | None] = mapped_column(ForeignKey("csaf_sources.id", ondelete="SET NULL"), index=True)
    initial_release_date: Mapped[datetime | None] = mapped_column(default=None)
    current_release_date: Mapped[datetime | None] = mapped_column(default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)


class AdvisoryRevision(Base):
    """Every revision received (or published) of an advisory, with its bytes' hash."""

    __tablename__ = "advisory_revisions"
    __table_args__ = (UniqueConstraint("advisory_id", "sha256", name="uq_advisory_revisions_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(64))
    current_release_date: Mapped[datetime | None] = mapped_column(default=None)
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict] = mapped_column(JSON)
    source_url: Mapped[str] = mapped_column(String(2000), default="")
    signature_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdvisoryProduct(Base):
    """A product the current revision names, flattened from the product tree (branches, groups and
    relationships expanded) with its status: what the matcher compares inventory lines with."""

    __tablename__ = "advisory_products"
    __table_args__ = (Index("ix_advisory_products_vendor_product", "vendor_key", "product_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(String(300))  # the CSAF product id
    name: Mapped[str] = mapped_column(String(1000), default="")
    vendor: Mapped[str] = mapped_column(String(300), default="")
    product: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[str] = mapped_column(String(300), default="")  # a version or a range as written
    vendor_key: Mapped[str] = mapped_column(String(300), default="")  # normalised, aliases applied
    product_key: Mapped[str] = mapped_column(String(300), default="")
    cpe: Mapped[str] = mapped_column(String(1000), default="")
    purl: Mapped[str] = mapped_column(String(1000), default="")
    # affected | fixed | not_affected | under_investigation | recommended
    status: Mapped[str] = mapped_column(String(24))
    cves: Mapped[list[str]] = mapped_column(JSON, default=list)


class QuarantinedDocument(Base):
    """A document that failed the schema, the mandatory tests, its hash or its signature: kept with
    the reasons where the CERT's admins look (the sources page), never silently dropped."""

    __tablename__ = "csaf_quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("csaf_sources.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000), default="")  # or the uploaded file's name
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    publisher_namespace: Mapped[str] = mapped_column(String(500), default="")
    tracking_id: Mapped[str] = mapped_column(String(300), default="")
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True, default=None)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    dismissed_at: Mapped[datetime | None] = mapped_column(default=None)


class AdvisoryMatch(Base):
    """The result of one advisory for one organisation, with the reasons (which inventory line matched
    which product id). ``notified_result`` is what the organisation was last told, so a revision that
    does not change its result tells nobody again."""

    __tablename__ = "advisory_matches"
    __table_args__ = (UniqueConstraint("advisory_id", "org_id", name="uq_advisory_matches"),
                      Index("ix_advisory_matches_org", "org_id", "result"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys (migration 0024): derived rows, rewritten in bulk by the full re-match, where the keys'
    # per-row checks were ~40 % of writing them. Rows of a deleted advisory or organisation are removed by
    # the matching itself (``matching.service``), and every reader joins the advisory.
    advisory_id: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(Integer)
    result: Mapped[MatchResult] = mapped_column(String(16))
    # [{"item_id": 5, "product_id": "CSAFPID-0001", "result": "affected", "why": "version 2019 CU12 in <CU14"}]
    reasons: Mapped[list[dict]] = mapped_column(JSON, default=list)
    advisory_version: Mapped[str] = mapped_column(String(64), default="")
    notified_result: Mapped[str | None] = mapped_column(String(16), default=None)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdvisoryStatus(Base):
    """An affected organisation's own word on an advisory: offen / in Bearbeitung / behoben / nicht
    betroffen, with a comment. Travels upward like the inventory (the Kreis and the Land see it)."""

    __tablename__ = "advisory_statuses"
    __table_args__ = (UniqueConstraint("advisory_id", "org_id", name="uq_advisory_statuses"),
                      Index("ix_advisory_statuses_org", "org_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    status: Mapped[OrgStatus] = mapped_column(String(16), default=OrgStatus.open)
    comment: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class WarningPreference(Base):
    """Per user: from which risk on, how (at once, daily digest, not at all) and which warnings (only
    those affecting the own organisation, or all the user may see)."""

    __tablename__ = "warning_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    min_risk: Mapped[Risk] = mapped_column(String(12), default=Risk.mittel)
    delivery: Mapped[str] = mapped_column(String(12), default="immediate")  # immediate | digest | none
    scope: Mapped[str] = mapped_column(String(12), default="affected")  # affected | all
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CsafSigningKey(Base):
    """The OpenPGP key kommcert signs its own CSAF documents with (made on first publish, or imported
    by the operator). Only the newest active key signs; older public keys stay listed."""

    __tablename__ = "csaf_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(Text)
    secret_key: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdvisoryComment(Base):
    """A note on an advisory by an organisation that may see it (the discussion of reports, on a
    warning): same shape as ``reports.models.ReportComment``, read and written through
    ``kommcert.discussion``."""

    __tablename__ = "advisory_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdvisoryAttachment(Base):
    """A file on an advisory or one of its comments (shape of ``reports.models.Attachment``)."""

    __tablename__ = "advisory_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("advisory_comments.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
