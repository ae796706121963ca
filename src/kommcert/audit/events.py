"""Audit events as dataclasses: the names are the vocabulary of the log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
MFA_ENABLED = "mfa_enabled"
MFA_FAILED = "mfa_failed"
TOKEN_CREATED = "token_created"  # noqa: S105
TOKEN_REVOKED = "token_revoked"  # noqa: S105
TOKEN_REJECTED = "token_rejected"  # noqa: S105
TOKEN_REFUSED = "token_refused"  # noqa: S105 - a token asked for someone else
USER_CREATED = "user_created"
USER_UPDATED = "user_updated"
USER_CREATED_ELSEWHERE = "user_created_elsewhere"  # by someone of another organisation
INVITATION_SENT = "invitation_sent"
INVITATION_ACCEPTED = "invitation_accepted"
CSRF_REJECTED = "csrf_rejected"
SHARED = "shared"
EXPORTED = "exported"
ACCESS_DENIED = "access_denied"
ORG_IMPORTED = "org_imported"
ORG_UPDATED = "org_updated"
COMMENT_ADDED = "comment_added"
COMMENT_DELETED = "comment_deleted"
ATTACHMENT_ADDED = "attachment_added"
ATTACHMENT_DOWNLOADED = "attachment_downloaded"
ATTACHMENT_DELETED = "attachment_deleted"
REPORT_UPDATED = "report_updated"  # detail: old and new of every changed field (TLP, audience, title …)
REPORT_WITHDRAWN = "report_withdrawn"
REPORT_RESTORED = "report_restored"
CONTRACT_SAVED = "contract_saved"  # a framework contract or a rate card line
CONTINGENT_SET = "contingent_set"
CONTINGENT_BOOKED = "contingent_booked"  # detail: kind (reserve, release, charge), amount, reference
HELP_REQUEST_CHANGED = "help_request_changed"  # detail: from, to (states), incident_id
DEPLOYMENT_TEAM_CHANGED = "deployment_team_changed"  # detail: added or removed (member id)
DEPLOYMENT_TIME_ENTRY = "deployment_time_entry"  # detail: entry, change (recorded, corrected, confirmed, disputed)
DEPLOYMENT_SIGNED_OFF = "deployment_signed_off"  # detail: side (municipality, cert)
DEPLOYMENT_CLOSED = "deployment_closed"  # detail: total, charged, hours, contingent
INVENTORY_KEEPER_CHANGED = "inventory_keeper_changed"  # detail: provider (org id or None), previous
CATALOG_ALIAS_CHANGED = "catalog_alias_changed"  # detail: added, kind, alias, canonical, vendor
ADVISORY_STATUS_SET = "advisory_status_set"  # detail: from, to (OrgStatus), comment (changed/unchanged)
CSAF_SOURCE_CREATED = "csaf_source_created"  # detail: name, kind, url
CSAF_SOURCE_CHANGED = "csaf_source_changed"  # detail: fields (names of the changed settings)
CSAF_SOURCE_PULLED = "csaf_source_pulled"  # by hand; detail: counts, errors (number)
CSAF_IMPORTED = "csaf_imported"  # an upload; detail: files, counts per status
CSAF_QUARANTINE_DISMISSED = "csaf_quarantine_dismissed"  # detail: name, source_id
SUBSCRIPTION_CREATED = "subscription_created"  # kommcert.subscriptions; detail: name, kind, url
SUBSCRIPTION_CHANGED = "subscription_changed"  # detail: fields (names of the changed settings; never the secret)
SUBSCRIPTION_REMOVED = "subscription_removed"  # detail: name (its reports stay)
SUBSCRIPTION_PULLED = "subscription_pulled"  # "Jetzt abrufen"; detail: ok, imported, removed
# kommcert.awareness: counts and settings only, never names, addresses or a group of five or fewer.
AWARENESS_TOPIC_CREATED = "awareness_topic_created"  # detail: format
AWARENESS_EVENT_PLANNED = "awareness_event_planned"  # detail: format, capacity, names_recorded
AWARENESS_EVENT_CANCELLED = "awareness_event_cancelled"
AWARENESS_REGISTRATION_CHANGED = "awareness_registration_changed"  # org: who registers; detail: from, to (totals)
AWARENESS_ATTENDANCE_RECORDED = "awareness_attendance_recorded"  # org: who attended; detail: from, to, names_recorded
AWARENESS_HEADCOUNT_SET = "awareness_headcount_set"  # detail: from, to (totals)
AWARENESS_READINESS_UPDATED = "awareness_readiness_updated"  # detail: items (the checklist items changed)
PHISHING_CAMPAIGN_IMPORTED = "phishing_campaign_imported"  # detail: source, groups, merged, sums (if six or more)
AWARENESS_SUGGESTION_DISMISSED = "awareness_suggestion_dismissed"  # detail: cause


@dataclass(frozen=True)
class AuditEvent:
    action: str
    actor_user_id: int | None = None
    org_id: int | None = None
    object_type: str | None = None
    object_id: str | int | None = None
    subject: str | None = None
    ip: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


# German words for the log page; English comes from the i18n catalogue.
LABELS_DE = {
    LOGIN: "Anmeldung",
    LOGIN_FAILED: "Fehlgeschlagene Anmeldung",
    LOGOUT: "Abmeldung",
    MFA_ENABLED: "Zweiter Faktor eingerichtet",
    MFA_FAILED: "Falscher Code (zweiter Faktor)",
    TOKEN_CREATED: "API-Token angelegt",
    TOKEN_REVOKED: "API-Token widerrufen",
    TOKEN_REJECTED: "API-Token abgewiesen",
    TOKEN_REFUSED: "API-Token für eine andere Person verweigert",
    USER_CREATED: "Benutzer angelegt",
    USER_UPDATED: "Benutzer geändert",
    USER_CREATED_ELSEWHERE: "Benutzer von einer anderen Organisation angelegt",
    INVITATION_SENT: "Einladung verschickt",
    INVITATION_ACCEPTED: "Einladung angenommen (Passwort gesetzt)",
    CSRF_REJECTED: "Formular ohne gültiges Sicherheitsmerkmal abgewiesen",
    SHARED: "Geteilt",
    EXPORTED: "Exportiert",
    ACCESS_DENIED: "Zugriff verweigert (TLP:AMBER+STRICT/RED)",
    ORG_IMPORTED: "Organisationen importiert",
    ORG_UPDATED: "Organisation geändert",
    COMMENT_ADDED: "Kommentar geschrieben",
    COMMENT_DELETED: "Kommentar gelöscht",
    ATTACHMENT_ADDED: "Anhang hochgeladen",
    ATTACHMENT_DOWNLOADED: "Anhang heruntergeladen",
    ATTACHMENT_DELETED: "Anhang gelöscht",
    REPORT_UPDATED: "Meldung geändert",
    REPORT_WITHDRAWN: "Meldung zurückgezogen",
    REPORT_RESTORED: "Meldung wiederhergestellt",
    CONTRACT_SAVED: "Rahmenvertrag gespeichert",
    CONTINGENT_SET: "Kontingent festgelegt",
    CONTINGENT_BOOKED: "Kontingent gebucht",
    HELP_REQUEST_CHANGED: "Hilfeersuchen geändert",
    DEPLOYMENT_TEAM_CHANGED: "Einsatzteam geändert",
    DEPLOYMENT_TIME_ENTRY: "Stundeneintrag erfasst oder geprüft",
    DEPLOYMENT_SIGNED_OFF: "Übergabe gezeichnet",
    DEPLOYMENT_CLOSED: "Einsatz abgeschlossen und abgerechnet",
    INVENTORY_KEEPER_CHANGED: "Inventarpflege durch IT-Dienstleister geändert",
    CATALOG_ALIAS_CHANGED: "Alias im Produktkatalog geändert",
    ADVISORY_STATUS_SET: "Status einer Warnung gesetzt",
    CSAF_SOURCE_CREATED: "CSAF-Quelle angelegt",
    CSAF_SOURCE_CHANGED: "CSAF-Quelle geändert",
    CSAF_SOURCE_PULLED: "CSAF-Quelle von Hand abgerufen",
    CSAF_IMPORTED: "CSAF-Dokumente hochgeladen",
    CSAF_QUARANTINE_DISMISSED: "Quarantäne-Eintrag verworfen",
    SUBSCRIPTION_CREATED: "Abonnement angelegt",
    SUBSCRIPTION_CHANGED: "Abonnement geändert",
    SUBSCRIPTION_REMOVED: "Abonnement entfernt",
    SUBSCRIPTION_PULLED: "Abonnement von Hand abgerufen",
    AWARENESS_TOPIC_CREATED: "Schulungsthema angelegt",
    AWARENESS_EVENT_PLANNED: "Schulungstermin geplant",
    AWARENESS_EVENT_CANCELLED: "Schulungstermin abgesagt",
    AWARENESS_REGISTRATION_CHANGED: "Anmeldung zu einem Schulungstermin geändert",
    AWARENESS_ATTENDANCE_RECORDED: "Teilnahme an einem Schulungstermin eingetragen",
    AWARENESS_HEADCOUNT_SET: "Personalzahl für die Sensibilisierung angegeben",
    AWARENESS_READINESS_UPDATED: "Checkliste Notfallvorsorge aktualisiert",
    PHISHING_CAMPAIGN_IMPORTED: "Phishing-Kampagne eingelesen",
    AWARENESS_SUGGESTION_DISMISSED: "Schulungsvorschlag erledigt",
}
