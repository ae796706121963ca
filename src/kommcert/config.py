"""Typed settings from the environment (``KOMMCERT_*``) and ``*_FILE`` secrets.

Nothing here runs at import time: call :func:`get_settings` (or build ``Settings``) where
a process starts, and hand the object down.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - the known default we refuse
LOCAL_URL = "http://127.0.0.1:8000"  # e-mail links when KOMMCERT_BASE_URL is not set


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOMMCERT_", extra="ignore")

    env: Literal["dev", "test", "prod"] = Field(
        "prod", description="dev allows the built-in secret key; prod refuses it."
    )
    secret_key: SecretStr = Field(
        SecretStr(""), description="Signs sessions and CSRF tokens. At least 32 characters."
    )
    database_url: str = Field(
        "sqlite:///kommcert.sqlite3", description="SQLAlchemy URL: sqlite:///file or postgresql+psycopg://… "
                                                 "(the kommcert commands need it set: they never use the default)"
    )
    base_url: str = Field(
        "", description="Public URL of this server (https://kommcert.example.de), used in e-mails, on the feeds page "
                        "and in the scan example. Set it in production: e-mails have no request to take the address "
                        "from and fall back to http://127.0.0.1:8000; pages then show the address the browser used.")
    _base_url_configured: bool = PrivateAttr(False)
    timezone: str = Field(
        "Europe/Berlin", description="Time zone of the times shown in pages, CSV files and the scanner's table "
                                     "(IANA name). Machine formats (STIX, JSON, JSONL) stay in UTC.")
    default_locale: Literal["de", "en"] = Field("de", description="Language of pages and e-mails.")
    session_hours: int = Field(12, ge=1, le=24 * 30, description="Lifetime of a login session.")
    secure_cookies: bool = Field(
        True, description="Send cookies only over HTTPS. Turn off only for local plain-HTTP demos."
    )
    max_body_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, description="Largest accepted request body in bytes."
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed logins per account from one address (4× per address; 4× per account from "
                             "addresses it never logged in from) before throttling."
    )
    login_window_minutes: int = Field(15, ge=1, description="Window for counting failed logins.")
    cert_hotline: str = Field(
        "+49 6131 000-000", description="24/7 phone number of the Land-CERT, printed on emergency cards."
    )
    cert_name: str = Field("Landes-CERT", description="Name of the Land-CERT on cards and e-mails.")
    csaf_publisher_namespace: str = Field(
        "", description="Namespace (a URL) of the CERT as publisher of its own CSAF warnings; with the tracking id it "
                        "names a warning worldwide, so set it once and never change it. Empty: KOMMCERT_BASE_URL.")
    csaf_tracking_prefix: str = Field(
        "KOMMCERT", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$",
        description="Start of the tracking ids of the CERT's own warnings: PREFIX-YEAR-NNNN (e.g. KOMMCERT-2026-0001).")
    csaf_signing_key_file: str = Field(
        "", description="File with the armored OpenPGP secret key (without passphrase) that signs the CERT's own CSAF "
                        "warnings. Empty: a key is made on the first publication and kept in the database.")

    smtp_host: str = Field("", description="SMTP server. Empty: mail jobs fail with a clear error and retry.")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port.")
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        "starttls", description="none, starttls or tls (implicit TLS, port 465)."
    )
    smtp_username: str = Field("", description="SMTP login name, if the server wants one.")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password.")
    smtp_from: str = Field("kommcert@localhost", description="Sender address of all e-mails.")
    smtp_timeout: float = Field(20.0, gt=0, description="Seconds before an SMTP attempt gives up.")
    smtp_ca_file: str = Field("", description="CA bundle to verify the SMTP server (default: system).")

    ioc_lifetime_days: dict[str, int] = Field(
        default_factory=lambda: {"ipv4": 30, "ipv6": 30, "ipv4_cidr": 30, "ipv6_cidr": 30, "domain": 90,
                                 "hostname": 90, "url": 60, "email": 180, "md5": 365, "sha1": 365, "sha256": 365},
        description="Lifetime in days per indicator type when the source gives no valid_until (JSON object).",
    )
    ioc_fp_review_threshold: int = Field(
        2, ge=1, description="False-positive reports from this many organisations put an indicator up for review."
    )
    max_upload_bytes: int = Field(
        512 * 1024 * 1024, ge=1024, description="Largest indicator file accepted by the import pages and API."
    )
    max_attachment_bytes: int = Field(
        20 * 1024 * 1024, ge=1024,
        description="Largest file attached to a report or comment (the files of one upload together).")
    rpz_zone: str = Field("rpz.kommcert.invalid", description="Zone name of the DNS RPZ feed.")
    outbound_hosts: str = Field(
        "", description="Comma-separated host names the server may fetch from: MISP feeds on the import page, "
                        "CSAF providers, aggregators and their key servers (`*.example.de` allows the subdomains; "
                        "empty: none). Every fetch and every redirect is checked against it, so no page or source "
                        "can be used to reach internal systems.")
    misp_feed_hosts: str = Field(
        "", description="Older name of KOMMCERT_OUTBOUND_HOSTS (still read, added to it).")
    outbound_max_bytes: int = Field(
        64 * 1024 * 1024, ge=1024, description="Largest answer the server reads from another server (one MISP "
                                               "event or manifest, one CSAF document, index or feed).")
    outbound_timeout: float = Field(20.0, gt=0, description="Seconds before a fetch from another server gives up.")
    feed_state_seconds: float = Field(
        10.0, ge=0, description="How long the feeds reuse the data state behind their ETags (0: compute it on every "
                                "request). Computing it reads the whole indicator tables (~0.1 s at 1M rows on "
                                "PostgreSQL); a conditional GET may answer 304 this long after a change.")
    feed_state_background: bool = Field(
        True, description="Compute the feeds' data state in a thread of each server process, every "
                          "KOMMCERT_FEED_STATE_SECONDS, so that no poll waits for it (off: the first poll after it "
                          "expired computes it while the others use the previous one).")
    switch_interval_ms: float = Field(
        1.0, ge=0, description="How long a thread of a server process may keep the interpreter before another "
                               "gets it (Python's switch interval, default there 5 ms; 0: leave it). A feed poll "
                               "waits for it at each database answer while a search or an upload computes in "
                               "the same process: 1 ms keeps those waits short.")
    token_use_seconds: float = Field(
        5.0, ge=0, description="How often each server process writes the last uses of the tokens that polled the "
                               "feeds (all at once): a poll only notes its token's use, so no poll writes. The "
                               "tokens page shows the last use up to this late (0: each poll writes it itself).")
    feed_cache_bytes: int = Field(
        64 * 1024 * 1024, ge=0, description="Memory per server process for rendered feeds (0: off). Readers who see "
                                            "the same reports get the same list: it is built once per data state and "
                                            "hour and then sent from memory; lists larger than a quarter of this are "
                                            "not kept.")
    upload_dir: str = Field(
        "", description="Directory for uploaded files between a preview and their import, and for import jobs "
                        "(empty: kommcert-uploads in the system's temporary directory). The web server and the "
                        "processes that run jobs must share it; files are removed after the import, and after a "
                        "day at the latest.")
    import_inline_bytes: int = Field(
        2 * 1024 * 1024, ge=0, description="Imports up to this size run inside the request; larger ones run as a "
                                           "job in a process of their own, so the web server keeps answering.")
    job_runner: Literal["process", "worker", "inline"] = Field(
        "process", description="Who runs an import job at once: process (a process of its own, started by the web "
                               "server), worker (only a running `kommcert worker`), inline (in the request; tests).")
    import_wait_seconds: float = Field(
        900.0, ge=0, description="How long POST /api/v1/indicators/import waits for a large import before it "
                                 "answers 202 with the job's address (Prefer: respond-async answers 202 at once).")
    worker_poll_seconds: float = Field(2.0, gt=0, description="How often an idle worker looks for jobs.")
    job_max_attempts: int = Field(6, ge=1, description="Attempts before a job is marked failed.")
    deadline_rules: str = Field(
        "", description="TOML file with the Land's own deadline rules for incidents, merged over the packaged ones "
                        "(§ 32 BSIG, Art. 33 DSGVO, an example Land rule); a rule with the same key replaces the "
                        "packaged one. Empty: the packaged rules only. A broken file is refused with one line naming "
                        "file and rule.")
    incident_alert_severity: Literal["low", "medium", "high", "critical"] = Field(
        "medium", description="A new incident of at least this severity (low, medium, high, critical) is mailed at "
                              "once to the CERT on call: the analysts and admins of every CERT organisation.")
    taxii_public: bool = Field(
        True, description="The TAXII 2.1 server answers discovery, the API root and the TLP:CLEAR collection without "
                          "credentials (off: every TAXII request needs an API token).")
    taxii_token_cache_seconds: float = Field(
        30.0, ge=0, description="How long each server process keeps a TAXII client's resolved API token (SIEMs send "
                                "it with every request). A revoked or expired token is refused at the latest after "
                                "this long (0: look every token up on every request).")

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: dict) -> dict:
        """``KOMMCERT_SECRET_KEY_FILE=/run/secrets/x`` wins over the plain variable."""
        if not isinstance(data, dict):
            return data
        for name in ("secret_key", "smtp_password", "database_url"):
            path = os.environ.get(f"KOMMCERT_{name.upper()}_FILE")
            if path:
                try:
                    data[name] = Path(path).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise ValueError(f"KOMMCERT_{name.upper()}_FILE: cannot read {path}: {exc.strerror}") from exc
        return data

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from kommcert import timefmt

        timefmt.zone(value)  # raises UnknownZone, a ValueError: one line for the operator
        return value

    @model_validator(mode="after")
    def _mail_base_url(self) -> Settings:
        """E-mails and the CLI keep using ``base_url``; the feeds page asks :meth:`public_url` with the
        request's own address, which it uses only when nobody configured one."""
        self._base_url_configured = bool(self.base_url)
        if not self.base_url:
            self.base_url = LOCAL_URL
        return self

    def public_url(self, request_base: str | None = None) -> str:
        """The configured public URL, else the address the request came to (the server's own)."""
        if self._base_url_configured or not request_base:
            return self.base_url
        return request_base.rstrip("/")

    @property
    def tz(self) -> ZoneInfo:
        from kommcert import timefmt

        return timefmt.zone(self.timezone)

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        key = self.secret_key.get_secret_value()
        if self.env == "dev" and not key:
            self.secret_key = SecretStr(DEV_SECRET_KEY)
            return self
        if self.env != "dev" and (not key or key == DEV_SECRET_KEY):
            raise ValueError(
                "KOMMCERT_SECRET_KEY is missing or the development default; set a random value "
                "of at least 32 characters (or KOMMCERT_ENV=dev for a local demo)"
            )
        if self.env != "dev" and len(key) < 32:
            raise ValueError("KOMMCERT_SECRET_KEY must be at least 32 characters long")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one readable line."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        msg = first.get("msg", "invalid").removeprefix("Value error, ")
        raise SettingsError(f"{where}: {msg}" if where != "settings" else msg) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
