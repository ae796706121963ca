"""Publishing an incident's observables to every municipality, and its time to protection:
``POST /api/v1/incidents/{id}/publish`` and ``GET /api/v1/incidents/{id}/protection``."""

from __future__ import annotations

from fastapi import APIRouter

from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import DbSession
from kommcert.incidents import publish
from kommcert.incidents.publication_schemas import LeftRead, ProtectionRead, PublishRead, PublishRequest
from kommcert.incidents.schemas import ObservableRead
from kommcert.validation import Id

router = APIRouter(prefix="/incidents", tags=["incidents"])


def protection_read(shown: publish.Protection) -> ProtectionRead:
    def seconds(span):  # noqa: ANN001, ANN202
        return None if span is None else span.total_seconds()

    return ProtectionRead(reported_at=shown.reported_at, published_at=shown.published_at,
                          first_download_at=shown.first_download_at,
                          seconds_to_publication=seconds(shown.to_publication),
                          seconds_to_first_download=seconds(shown.to_first_download), report_id=shown.report_id)


@router.post("/{incident_id}/publish", response_model=PublishRead)
def publish_observables(incident_id: Id, db: DbSession, actor: WriterActor, body: PublishRequest) -> PublishRead:
    """CERT only: the observables marked to share (or ``observable_ids``) become indicators of one
    community report of the CERT, which names neither the affected organisation nor the incident's
    texts. Publishing again adds new values to the same report. Values that cannot be blocked are
    listed in ``skipped``."""
    result = publish.publish_observables(db, actor=actor, incident_id=incident_id, observable_ids=body.observable_ids,
                                         tlp=body.tlp, title=body.title)
    return PublishRead(
        report_id=result.report.id, report_uuid=result.report.uuid, tlp=result.report.tlp,
        new_report=result.new_report, published=[ObservableRead.model_validate(o) for o in result.published],
        skipped=[LeftRead(observable_id=s.observable_id, value=s.value, de=s.de, en=s.en) for s in result.skipped],
        warninglisted=[value for value, _ in result.warninglisted],
        protection=protection_read(publish.protection(db, result.incident)))


@router.get("/{incident_id}/protection", response_model=ProtectionRead)
def read_protection(incident_id: Id, db: DbSession, actor: UserActor) -> ProtectionRead:
    """Reported, published and first downloaded by another organisation, with the spans in seconds."""
    return protection_read(publish.get_protection(db, actor=actor, incident_id=incident_id))
