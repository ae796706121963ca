"""Where a source's documents are: provider metadata (found for a domain in the order of CSAF 2.0
§7.3), an aggregator's providers, directory distributions and ROLIE feeds, and the keys that sign them.

Every fetch goes through ``kommcert.outbound.fetch`` (host allowlist, size cap, timeout). A provider
that answers HTML or malformed JSON gives a ``FetchError`` with one clear line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from kommcert import outbound
from kommcert.advisories.models import CsafSource
from kommcert.config import Settings
from kommcert.outbound import FetchError

METADATA_BYTES = 4 * 1024 * 1024


@dataclass
class Plan:
    """What a pull walks: directory distributions, ROLIE feeds, and the keys with their fingerprints."""

    directories: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)  # (url, fingerprint)
    errors: list[str] = field(default_factory=list)  # providers of an aggregator that failed


def fetch_json(url: str, *, settings: Settings, client: httpx.Client | None, what: str) -> Any:
    got = outbound.fetch(url, settings=settings, max_bytes=METADATA_BYTES, accept="application/json", client=client)
    try:
        return json.loads(got.content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        kind = "HTML" if b"<html" in got.content[:2000].lower() else "kein JSON"
        raise FetchError(f"{what} {outbound._short(got.url)}: Antwort ist {kind}",
                         f"{what} {outbound._short(got.url)}: answer is {'HTML' if kind == 'HTML' else 'not JSON'}"
                         ) from None


def _object(value: Any, what: str, url: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FetchError(f"{what} {outbound._short(url)}: kein JSON-Objekt",
                         f"{what} {outbound._short(url)}: not a JSON object")
    return value


def read_provider_metadata(meta: Any, url: str) -> Plan:
    meta = _object(meta, "provider-metadata.json", url)
    plan = Plan()
    for dist in meta.get("distributions") or []:
        if not isinstance(dist, dict):
            continue
        directory = dist.get("directory_url")
        if isinstance(directory, str) and directory:
            plan.directories.append(urljoin(url, directory.rstrip("/") + "/"))
        rolie = dist.get("rolie")
        for feed in (rolie.get("feeds") or []) if isinstance(rolie, dict) else []:
            if isinstance(feed, dict) and isinstance(feed.get("url"), str):
                plan.feeds.append(urljoin(url, feed["url"]))
    for key in meta.get("public_openpgp_keys") or []:
        if isinstance(key, dict) and isinstance(key.get("url"), str):
            plan.keys.append((urljoin(url, key["url"]), str(key.get("fingerprint") or "")))
    if not plan.directories and not plan.feeds:
        raise FetchError(f"provider-metadata.json {outbound._short(url)}: keine Verteilung (distributions) angegeben",
                         f"provider-metadata.json {outbound._short(url)}: no distributions given")
    return plan


def provider(url: str, *, settings: Settings, client: httpx.Client | None) -> Plan:
    return read_provider_metadata(fetch_json(url, settings=settings, client=client, what="provider-metadata.json"), url)


def _base(domain: str) -> tuple[str, str]:
    """``example.de`` → (``https://example.de``, ``example.de``); a full base (``http://127.0.0.1:8080``,
    for tests and for providers on a port) is kept as it is."""
    if "://" in domain:
        parts = urlsplit(domain)
        return f"{parts.scheme}://{parts.netloc}", parts.hostname or ""
    host = domain.strip().strip("/").lower()
    return f"https://{host}", host


def domain_candidates(domain: str, *, settings: Settings, client: httpx.Client | None) -> list[str]:
    """The provider metadata of a domain, in the order of CSAF 2.0 §7.3: the well-known path, the
    ``CSAF:`` fields of security.txt, the DNS path ``csaf.data.security.<domain>``."""
    base, host = _base(domain)
    found = [f"{base}/.well-known/csaf/provider-metadata.json"]
    try:
        text = outbound.fetch(f"{base}/.well-known/security.txt", settings=settings, max_bytes=64 * 1024,
                              client=client).content.decode("utf-8", "replace")
        found += [line.split(":", 1)[1].strip() for line in text.splitlines()
                  if line.lower().startswith("csaf:") and line.split(":", 1)[1].strip()]
    except FetchError:
        pass
    if "://" not in domain:
        found.append(f"https://csaf.data.security.{host}/")
    return found


def domain(name: str, *, settings: Settings, client: httpx.Client | None) -> Plan:
    errors = []
    for url in domain_candidates(name, settings=settings, client=client):
        try:
            return provider(url, settings=settings, client=client)
        except FetchError as exc:
            errors.append(exc.de)
    raise FetchError(f"Keine Provider-Metadaten gefunden: {errors[0]}", f"No provider metadata found: {errors[0]}")


def aggregator(url: str, *, settings: Settings, client: httpx.Client | None) -> Plan:
    """Every provider an ``aggregator.json`` lists (its metadata, else its mirrors), merged."""
    agg = _object(fetch_json(url, settings=settings, client=client, what="aggregator.json"), "aggregator.json", url)
    plan = Plan()
    for entry in (agg.get("csaf_providers") or []) + (agg.get("csaf_publishers") or []):
        if not isinstance(entry, dict):
            continue
        meta = entry.get("metadata") if isinstance(entry.get("metadata"), dict) else {}
        urls = [u for u in [meta.get("url"), *(entry.get("mirrors") or [])] if isinstance(u, str) and u]
        last = ""
        for candidate in urls:
            try:
                found = provider(urljoin(url, candidate), settings=settings, client=client)
            except FetchError as exc:
                last = exc.de
                continue
            plan.directories += found.directories
            plan.feeds += found.feeds
            plan.keys += found.keys
            last = ""
            break
        if last:
            plan.errors.append(last)
    return plan


def plan_for(source: CsafSource, *, settings: Settings, client: httpx.Client | None = None) -> Plan:
    kind = source.kind
    if kind == "domain":
        return domain(source.url, settings=settings, client=client)
    if kind == "aggregator":
        return aggregator(source.url, settings=settings, client=client)
    if kind == "directory":
        return Plan(directories=[source.url.rstrip("/") + "/"])
    if kind == "rolie":
        return Plan(feeds=[source.url])
    return provider(source.url, settings=settings, client=client)
