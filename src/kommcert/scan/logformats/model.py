"""The log formats the scanner knows, and what it learns about a single log line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True)
class LogFormat:
    name: str  # e.g. "bind-query"
    label_de: str  # e.g. "BIND-Abfrageprotokoll"
    label_en: str


@dataclass(frozen=True)
class LineInfo:
    format: LogFormat
    log_time: datetime | None  # timezone-aware, UTC; None if the line carries no usable time
    host: str | None  # the system that logged it, if the format says (syslog host, devname, ...)


class Result(NamedTuple):
    """What a format's parser read from a line it accepts."""

    time: datetime | None
    host: str | None


_FORMATS = (
    LogFormat("syslog-rfc3164", "Syslog (BSD-Format, RFC 3164)", "Syslog (BSD format, RFC 3164)"),
    LogFormat("syslog-rfc5424", "Syslog (RFC 5424)", "Syslog (RFC 5424)"),
    LogFormat("bind-query", "BIND-Abfrageprotokoll", "BIND query log"),
    LogFormat("unbound", "Unbound-Protokoll", "Unbound log"),
    LogFormat("dnsmasq", "dnsmasq-Protokoll", "dnsmasq log"),
    LogFormat("windows-dns", "Windows-DNS-Debugprotokoll", "Windows DNS debug log"),
    LogFormat("squid", "Squid-Zugriffsprotokoll", "Squid access log"),
    LogFormat("combined", "Webserver-Zugriffsprotokoll (Apache/nginx)", "Web server access log (Apache/nginx)"),
    LogFormat("zeek-tsv", "Zeek-Protokoll (TSV)", "Zeek log (TSV)"),
    LogFormat("zeek-json", "Zeek-Protokoll (JSON)", "Zeek log (JSON)"),
    LogFormat("suricata-eve", "Suricata-EVE-JSON", "Suricata EVE JSON"),
    LogFormat("cef", "CEF (Common Event Format)", "CEF (Common Event Format)"),
    LogFormat("fortinet", "FortiGate-Protokoll", "FortiGate log"),
    LogFormat("filterlog", "pfSense/OPNsense-Firewallprotokoll", "pfSense/OPNsense firewall log"),
    LogFormat("postfix", "Postfix-Mailprotokoll", "Postfix mail log"),
    LogFormat("exchange-tracking", "Exchange-Nachrichtenverfolgung", "Exchange message tracking log"),
    LogFormat("w3c", "W3C-Protokoll (IIS/OWA, Windows-Firewall)", "W3C log (IIS/OWA, Windows Firewall)"),
    LogFormat("json-lines", "JSON-Zeilen", "JSON lines"),
    LogFormat("text", "Text (Format unbekannt)", "Text (unknown format)"),
)

FORMATS: dict[str, LogFormat] = {f.name: f for f in _FORMATS}


def clean_host(value: object) -> str | None:
    """A host name as logged, or ``None`` for empty and nil (``-``) values."""
    if not isinstance(value, str):
        return None
    value = value.strip().strip('"').strip()
    return value if value and value != "-" else None
