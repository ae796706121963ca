"""Audience of shared objects: addressed organisations (with or without subtree) and named users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from kommcert.db import Base, utcnow
from kommcert.sharing.tlp import TLP


class ShareTarget(Base):
    """One entry of an object's audience. ``object_type`` is the shared model's ``__share_type__``."""

    __tablename__ = "share_targets"
    __table_args__ = (
        CheckConstraint(
            "(org_id IS NULL) <> (user_id IS NULL)", name="org_xor_user"
        ),
        Index("ix_share_targets_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    include_subtree: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Shared:
    """Mixin for every shared thing: owner organisation, creator, TLP, upward flag.

    ``upward`` adds the owner's ancestors to an AMBER / AMBER+STRICT audience: the default for
    sightings and incident details, which travel up the tree.
    """

    __share_type__: str
    # False where a composite index starting with owner_org_id already serves lookups by owner
    # (a second, single-column index only tempts the planner into scanning all of an org's rows).
    __owner_index__: bool = True

    @declared_attr
    def owner_org_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=cls.__owner_index__)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @declared_attr
    def tlp(cls) -> Mapped[TLP]:  # noqa: N805
        return mapped_column(String(16), index=True)

    @declared_attr
    def upward(cls) -> Mapped[bool]:  # noqa: N805
        return mapped_column(Boolean, default=False)
