"""A peer: another kommcert instance, seen here as an organisation of kind ``peer``.

Both directions hang on one row. *Inbound* (the peer reads here): its organisation, the maximum TLP
it may receive (the policy reads it through ``Actor.peer_max_tlp``) and the sightings it sent back.
*Outbound* (this instance reads the peer): the TAXII subscription to the peer's collection
(``subscription_id``) and the cursor of the sightings pushed back to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow
from kommcert.sharing.tlp import TLP


class Peer(Base):
    __tablename__ = "federation_peers"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), unique=True)
    max_tlp: Mapped[TLP] = mapped_column(String(16), default=TLP.green)
    # Outbound: the subscription to the peer's TAXII collection (kind ``taxii``, marked as a peer's),
    # through which reports arrive here marked ``received_from_peer`` and sightings go back.
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL"), default=None, unique=True)
    # Sightings sent back: the highest sighting and provenance ids considered ({"sighting": n,
    # "provenance": m}), when and how it last went, how many.
    push_cursor: Mapped[dict] = mapped_column(JSON, default=dict)
    last_push_at: Mapped[datetime | None] = mapped_column(default=None)
    last_push_error: Mapped[str] = mapped_column(Text, default="")
    sightings_sent: Mapped[int] = mapped_column(Integer, default=0)
    # Inbound: sightings the peer sent us (new or updated), and when.
    last_received_at: Mapped[datetime | None] = mapped_column(default=None)
    sightings_received: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
