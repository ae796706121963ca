"""The accepted team is kept on the request, which only its readers see: the incident's timeline, which
every participant reads (another provider assigned later, too), says only how many people come."""

from __future__ import annotations

from sqlalchemy import select

from kommcert.helprequests import service
from kommcert.incidents.models import EventKind, IncidentEvent


def test_the_team_is_on_the_request_not_in_the_timeline(chain) -> None:  # noqa: ANN001
    db = chain.p.db
    hr = chain.to_assigned()
    service.accept(db, actor=chain.actor("provider_x"), help_request_id=hr.id, accept_in=chain.accept_in())
    names = {m["name"] for m in service.team_of(db, hr)}
    assert names == {chain.person.name, "Frau Forensik"}
    [event] = db.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == chain.incident.id,
                                                     IncidentEvent.kind == EventKind.help_accepted))
    assert event.data.get("team_size") == 2 and "team" not in event.data
    assert "Forensik" not in repr(event.data) and chain.person.name not in repr(event.data)
    deployment = service.deploy(db, actor=chain.actor("provider_x"), help_request_id=hr.id)
    assert sorted(m.name for m in deployment.members) == sorted(names)
