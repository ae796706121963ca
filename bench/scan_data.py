"""Benchmark data for ``kommcert scan``: a big mixed log, indicator sets, and the truth to score against.

    python bench/scan_data.py --out DIR --size-mb 1024 --indicators 10000,100000,1000000 --seed 1
    python bench/scan_data.py --out DIR --score FOUND      # score a tool's output against DIR/truth.tsv

Writes into DIR:

* ``iocs-<N>.txt`` (one value a line, for ``grep -F -w -f``) and ``iocs-<N>.tsv`` (``type<TAB>value``):
  the same 200 *planted* indicators in every set plus filler that never occurs in the log;
* ``mixed.log``: runs of 1-500 lines in 15 log formats, background drawn from Zipf-weighted pools;
* ``truth.tsv``: ``line_no<TAB>type<TAB>value`` for every true hit (1-based line numbers);
* ``near-misses.tsv``: ``line_no<TAB>description`` for lines that look like hits but are not.

The truth is not what the generator *meant* to plant but what :class:`ReferenceMatcher` (the matching
semantics of issue 4, written out plainly below) finds in each planted line against the union of all
sets; the generator only checks that the intended hits are among them. Background lines are checked
token by token against the same matcher, so a background line can never hit. Indicator name spaces:
planted names end in ``.test`` (``*.ioc-<k>.test`` domains, ``*.host-<k>.test`` hostnames,
``*.url-<k>.test`` URL hosts, ``*.mail-<k>.test`` mail domains), planted IPs lie in 198.18.0.0/15,
203.0.113.0/24 and 2001:db8::/32; filler names end in ``.example``, filler IPs in /8s and 3fff::/20 the
log never uses; background names end in .de/.com/.org/.net, background IPs are in 10/8, 192.168/16,
100.64/10 and fd00::/8. Standard library only; every random choice comes from the seed.
"""

from __future__ import annotations

import argparse
import ipaddress
import itertools
import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

TYPE_SHARES: dict[str, float] = {
    "domain": 0.25, "hostname": 0.05, "ipv4": 0.20, "ipv4_cidr": 0.03, "ipv6": 0.05, "ipv6_cidr": 0.01,
    "url": 0.15, "email": 0.06, "md5": 0.06, "sha1": 0.04, "sha256": 0.10,
}
PLANTED = 200
PLANTED_COUNTS = {kind: round(PLANTED * share) for kind, share in TYPE_SHARES.items()}
HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
TRUTH_LINES_PER = {"domain": 4, "hostname": 2, "ipv4": 3, "ipv4_cidr": 4, "ipv6": 3, "ipv6_cidr": 3,
                   "url": 3, "email": 2, "md5": 2, "sha1": 2, "sha256": 2}
NEAR_MISS_LINES = 1200
START = 1794787200.0  # 2026-11-16T00:00:00Z; the whole log lies in November, so Europe/Berlin is +0100
SPAN = 7 * 86400.0
TZ_OFFSET = 3600
TS1, TS2, TS3 = "\x01", "\x02", "\x03"  # time stamp placeholders, replaced per chunk of lines
CHUNK = 8  # lines sharing one time stamp

# ---------------------------------------------------------------------------------------------------------
# Reference matcher: the matching semantics, written for clarity rather than speed.
# ---------------------------------------------------------------------------------------------------------

_DEFANG_DOT = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)")
_DEFANG_SCHEME = re.compile(r"h[xX]{2}p(s?)://", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![0-9A-Za-z])(?<![0-9]\.)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![0-9A-Za-z])(?!\.[0-9])")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:.])[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*")
_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_DOTTED_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+")
_WINDNS = re.compile(r"(?:\(\d+\)[A-Za-z0-9_-]+)+\(0\)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-]+)@([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)")
_URL = re.compile(r"(?i:https?|ftp)://[^\s\"'<>]+")
_ALNUM_RUN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{32,}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def refang(text: str) -> str:
    """Defanged dots and schemes as plain ones (``evil[.]example``, ``hxxp://``)."""
    if "[" in text or "(" in text or "{" in text:
        text = _DEFANG_DOT.sub(".", text)
    if "xx" in text or "XX" in text:
        text = _DEFANG_SCHEME.sub(r"http\1://", text)
    return text


def norm_url(url: str) -> tuple[str, str]:
    """(URL with query, URL without query), both normalised: lower-case scheme and host, no default
    port, path at least ``/`` and without ONE trailing ``/``, no fragment."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    rest = rest.partition("#")[0]
    cut = len(rest)
    for sep in "/?":
        i = rest.find(sep)
        if 0 <= i < cut:
            cut = i
    netloc, tail = rest[:cut].lower(), rest[cut:]
    path, _, query = tail.partition("?")
    host, port = netloc, ""
    if netloc.startswith("["):
        end = netloc.find("]")
        if end > 0 and netloc[end + 1:end + 2] == ":":
            host, port = netloc[:end + 1], netloc[end + 2:]
    elif ":" in netloc:
        host, _, port = netloc.rpartition(":")
    if port and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    base = f"{scheme}://{host}{path}"
    return (f"{base}?{query}" if query else base), base


def _clean_name(name: str) -> str:
    return name.lower().strip(".-")


class ReferenceMatcher:
    """Which indicators a line hits, following the issue-4 matching semantics exactly."""

    def __init__(self) -> None:
        self.domains: set[str] = set()
        self.hostnames: set[str] = set()
        self.ipv4: dict[int, str] = {}
        self.ipv4_nets: dict[int, dict[int, str]] = {}
        self.ipv6: dict[int, str] = {}
        self.ipv6_nets: dict[int, dict[int, str]] = {}
        self.urls_exact: dict[str, set[str]] = {}  # indicators with a query, by normalised URL
        self.urls_any_query: dict[str, set[str]] = {}  # indicators without a query
        self.emails: set[str] = set()
        self.hashes: dict[str, str] = {}

    def add(self, kind: str, value: str) -> None:
        if kind == "domain":
            self.domains.add(value)
        elif kind == "hostname":
            self.hostnames.add(value)
        elif kind in ("ipv4", "ipv6"):
            (self.ipv4 if kind == "ipv4" else self.ipv6)[int(ipaddress.ip_address(value))] = value
        elif kind in ("ipv4_cidr", "ipv6_cidr"):
            net = ipaddress.ip_network(value)
            bits = net.max_prefixlen - net.prefixlen
            nets = self.ipv4_nets if kind == "ipv4_cidr" else self.ipv6_nets
            nets.setdefault(net.prefixlen, {})[int(net.network_address) >> bits] = value
        elif kind == "url":
            full, base = norm_url(value)
            target = self.urls_exact if full != base else self.urls_any_query
            target.setdefault(full, set()).add(value)
        elif kind == "email":
            self.emails.add(value)
        else:
            self.hashes[value] = kind

    # -- single tokens ---------------------------------------------------------------------------------
    def hit_name(self, name: str, out: set[tuple[str, str]]) -> None:
        if name in self.hostnames:
            out.add(("hostname", name))
        while True:
            if name in self.domains:
                out.add(("domain", name))
            i = name.find(".")
            if i < 0:
                return
            name = name[i + 1:]

    def hit_ipv4(self, text: str, out: set[tuple[str, str]]) -> None:
        parts = [int(p) for p in text.split(".")]
        if max(parts) > 255:
            return
        n = (parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]
        if n in self.ipv4:
            out.add(("ipv4", self.ipv4[n]))
        for plen, nets in self.ipv4_nets.items():
            value = nets.get(n >> (32 - plen))
            if value is not None:
                out.add(("ipv4_cidr", value))

    def hit_ipv6(self, text: str, out: set[tuple[str, str]]) -> None:
        if text.count(":") < 2:
            return
        try:
            n = int(ipaddress.IPv6Address(text))
        except ValueError:
            return
        if n in self.ipv6:
            out.add(("ipv6", self.ipv6[n]))
        for plen, nets in self.ipv6_nets.items():
            value = nets.get(n >> (128 - plen))
            if value is not None:
                out.add(("ipv6_cidr", value))

    def hit_url(self, text: str, out: set[tuple[str, str]]) -> None:
        full, base = norm_url(text)
        for value in self.urls_exact.get(full, ()):
            out.add(("url", value))
        for value in self.urls_any_query.get(base, ()):
            out.add(("url", value))

    def hit_email(self, local: str, name: str, out: set[tuple[str, str]]) -> None:
        email = f"{local.lower()}@{_clean_name(name)}"
        if email in self.emails:
            out.add(("email", email))

    def hit_hash(self, run: str, out: set[tuple[str, str]]) -> None:
        if len(run) in (32, 40, 64) and _HEX.fullmatch(run):
            kind = self.hashes.get(run.lower())
            if kind is not None:
                out.add((kind, run.lower()))

    # -- lines -----------------------------------------------------------------------------------------
    def hits(self, line: str) -> set[tuple[str, str]]:
        """All (type, value) a line hits (a line hitting one indicator twice lists it once)."""
        text = refang(line)
        out: set[tuple[str, str]] = set()
        for ip in _IPV4.findall(text):
            self.hit_ipv4(ip, out)
        for run in _IPV6.findall(text):
            self.hit_ipv6(run, out)
        for name in _NAME.findall(text):
            self.hit_name(_clean_name(name), out)
        for m in _WINDNS.findall(text):
            self.hit_name(_clean_name(re.sub(r"\(\d+\)", ".", m)), out)
        for url in _URL.findall(text):
            self.hit_url(url, out)
        for local, name in _EMAIL.findall(text):
            self.hit_email(local, name, out)
        for run in _ALNUM_RUN.findall(text):
            self.hit_hash(run, out)
        return out

    def bulk_hits(self, text: str) -> set[tuple[str, str]]:
        """Like :meth:`hits` for many newline-separated lines at once (distinct tokens only)."""
        text = refang(text)
        out: set[tuple[str, str]] = set()
        for ip in set(_IPV4.findall(text)):
            self.hit_ipv4(ip, out)
        for run in set(_IPV6.findall(text)):
            self.hit_ipv6(run, out)
        for name in set(_DOTTED_NAME.findall(text)):
            self.hit_name(_clean_name(name), out)
        for m in set(_WINDNS.findall(text)):
            self.hit_name(_clean_name(re.sub(r"\(\d+\)", ".", m)), out)
        for url in set(_URL.findall(text)):
            self.hit_url(url, out)
        for local, name in set(_EMAIL.findall(text)):
            self.hit_email(local, name, out)
        for run in set(_ALNUM_RUN.findall(text)):
            self.hit_hash(run, out)
        return out


# ---------------------------------------------------------------------------------------------------------
# Background pools
# ---------------------------------------------------------------------------------------------------------

SYLLABLES = ["ka", "lo", "mi", "ra", "ne", "to", "su", "ve", "den", "berg", "feld", "haus", "net", "web", "tek",
             "data", "soft", "line", "mar", "tel", "ion", "sol", "tra", "vi", "no", "pa", "lu", "qu", "ber", "dor"]
SUFFIX_WORDS = ["shop", "cloud", "media", "online", "group", "service", "news", "cdn", "tech", "info", "kom"]
TLDS = ["de", "de", "de", "com", "com", "org", "net"]
SUBDOMAINS = ["", "", "", "www.", "www.", "cdn.", "api.", "mail.", "static.", "img.", "login.", "update.", "m."]
MUNICIPAL = ["vg-musterstadt.de", "stadt-beispielhausen.de", "gemeinde-musterdorf.de", "kreis-musterland.de",
             "amt-beispielfeld.de"]
FIRST = ["anna", "jonas", "lena", "felix", "marie", "paul", "sophie", "lukas", "emma", "tim", "laura", "jan",
         "sarah", "max", "julia", "tobias", "katrin", "stefan", "petra", "uwe"]
LAST = ["mueller", "schmidt", "schneider", "fischer", "weber", "meyer", "wagner", "becker", "schulz", "hoffmann",
        "koch", "richter", "klein", "wolf", "neumann", "braun", "zimmermann", "krueger", "hartmann", "lange"]
FILE_NAMES = ["setup.exe", "invoice_2026.pdf", "update.msi", "report.docx", "budget.xlsx", "scan_0001.pdf",
              "installer.exe", "plugin.zip", "photo.jpg", "protokoll.pdf", "vertrag.docx", "bescheid.pdf"]
URL_PATHS = ["/", "/", "/index.html", "/favicon.ico", "/wp-login.php", "/api/v1/status", "/static/js/app.{h}.js",
             "/images/{w}.png", "/search?q={w}", "/news/2026/{w}.html", "/download/{w}-{n}.pdf",
             "/assets/css/{w}.css", "/login?next=/{w}", "/feed.xml", "/robots.txt"]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Microsoft-CryptoAPI/10.0", "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928)",
    "curl/8.5.0", "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.50",
]
SERVER_HOSTS = ["fw01", "proxy01", "dns01", "dns02", "mx01", "web01", "srv-dc01", "nas01", "gw-rathaus",
                "srv-app02"]
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class Zipf:
    """Values drawn with Zipf-like weights (the first value is the most frequent), in batches."""

    def __init__(self, values: list, rng: Random, s: float = 1.0) -> None:
        self.values, self.rng = values, rng
        self.cum = list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(len(values))))
        self.buf: list = []

    def __call__(self):
        if not self.buf:
            self.buf = self.rng.choices(self.values, cum_weights=self.cum, k=4096)
        return self.buf.pop()


def _hex(rng: Random, digits: int) -> str:
    return f"{rng.getrandbits(4 * digits):0{digits}x}"


class Pools:
    """Background values: client and public IPs, domains, URLs, mail addresses, files with hashes."""

    def __init__(self, rng: Random, *, domains: int = 100_000, clients: int = 50_000, public: int = 20_000) -> None:
        r = self.rng = rng
        seen: set[str] = set()
        ips: list[str] = []
        while len(ips) < clients:
            ip = (f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}" if r.random() < 0.7
                  else f"192.168.{r.randrange(256)}.{r.randrange(1, 255)}")
            if ip not in seen:
                seen.add(ip)
                ips.append(ip)
        self.client = Zipf(ips, r, 0.9)
        pub: list[str] = []
        while len(pub) < public:
            ip = f"100.{r.randrange(64, 128)}.{r.randrange(256)}.{r.randrange(1, 255)}"
            if ip not in seen:
                seen.add(ip)
                pub.append(ip)
        self.public = Zipf(pub, r, 1.0)
        self.client6 = Zipf([f"fd4c:7a1e:{r.randrange(1, 0x100):x}:{r.randrange(0x10000):x}::{r.randrange(2, 0xffff):x}"
                             for _ in range(3000)], r)
        self.public6 = Zipf([f"fd9b:{r.randrange(0x10000):x}:{r.randrange(0x10000):x}::{r.randrange(2, 0xffff):x}"
                             for _ in range(2000)], r)
        names: list[str] = []
        known: set[str] = set()
        while len(names) < domains:
            label = "".join(r.choices(SYLLABLES, k=r.randint(2, 4)))
            if r.random() < 0.25:
                label += "-" + r.choice(SUFFIX_WORDS)
            name = f"{label}.{r.choice(TLDS)}"
            if name not in known:
                known.add(name)
                names.append(name)
        self.domain = Zipf(names, r, 1.0)
        self.sub = Zipf(SUBDOMAINS, r, 0.3)
        self.user = Zipf([f"{f[0]}.{last}" for f in FIRST for last in LAST] + ["root", "admin", "backup"], r)
        self.ua = Zipf(USER_AGENTS, r, 1.2)
        self.server = Zipf(["10.0.0.53", "10.0.0.54", "10.0.0.25", "10.0.0.10", "192.168.1.1", "10.0.0.80"], r)
        self.host = Zipf(SERVER_HOSTS, r, 0.8)
        self.files = Zipf([(r.choice(FILE_NAMES), _hex(r, 32), _hex(r, 40), _hex(r, 64)) for _ in range(20_000)], r)
        self.url = Zipf([self._make_url() for _ in range(30_000)], r, 1.0)
        self.internal_mail = Zipf([f"{f}.{last}@{m}" for m in MUNICIPAL for f in FIRST for last in LAST], r, 0.8)
        self.external_mail = Zipf([f"{r.choice(['info', 'service', 'newsletter', 'noreply', 'kontakt', 'rechnung'])}"
                                   f"@{self.domain()}" for _ in range(5000)]
                                  + [f"{r.choice(FIRST)}.{r.choice(LAST)}@{self.domain()}" for _ in range(5000)], r)

    def fqdn(self) -> str:
        return self.sub() + self.domain()

    def _make_url(self) -> str:
        r = self.rng
        path = r.choice(URL_PATHS).format(h=_hex(r, 8), w=r.choice(SYLLABLES) + r.choice(SYLLABLES),
                                          n=r.randrange(1, 999))
        return f"{'https' if r.random() < 0.8 else 'http'}://{self.fqdn()}{path}"

    def mail(self) -> str:
        return self.internal_mail() if self.rng.random() < 0.5 else self.external_mail()

    def uid(self, first: str = "C") -> str:
        return first + "".join(self.rng.choices(ALNUM, k=17))


# ---------------------------------------------------------------------------------------------------------
# Log formats: each renders a line with time stamp placeholders; ``o`` overrides slots for planted lines.
# ---------------------------------------------------------------------------------------------------------

_MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _local(t: float) -> time.struct_time:
    return time.gmtime(int(t) + TZ_OFFSET)


def ts_syslog(t: float) -> str:
    g = _local(t)
    return f"{_MON[g.tm_mon - 1]} {g.tm_mday:2d} {g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d}"


def ts_bind(t: float) -> str:
    g = _local(t)
    return (f"{g.tm_mday:02d}-{_MON[g.tm_mon - 1]}-{g.tm_year} {g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d}"
            f".{int(t * 1000) % 1000:03d}")


def ts_windns(t: float) -> str:
    g = _local(t)
    return (f"{g.tm_mon}/{g.tm_mday}/{g.tm_year} {g.tm_hour % 12 or 12}:{g.tm_min:02d}:{g.tm_sec:02d} "
            f"{'AM' if g.tm_hour < 12 else 'PM'}")


def ts_apache(t: float) -> str:
    g = _local(t)
    return f"{g.tm_mday:02d}/{_MON[g.tm_mon - 1]}/{g.tm_year}:{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d} +0100"


def ts_iso_local(t: float) -> str:
    g = _local(t)
    return (f"{g.tm_year}-{g.tm_mon:02d}-{g.tm_mday:02d}T{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d}"
            f".{int(t * 1_000_000) % 1_000_000:06d}+0100")


def ts_iso_utc(t: float) -> str:
    g = time.gmtime(int(t))
    return (f"{g.tm_year}-{g.tm_mon:02d}-{g.tm_mday:02d}T{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d}"
            f".{int(t * 1000) % 1000:03d}Z")


def ts_forti(t: float) -> str:
    g = _local(t)
    return f"date={g.tm_year}-{g.tm_mon:02d}-{g.tm_mday:02d} time={g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d}"


def ts_zeek_open(t: float) -> str:
    g = _local(t)
    return f"{g.tm_year}-{g.tm_mon:02d}-{g.tm_mday:02d}-{g.tm_hour:02d}-{g.tm_min:02d}-{g.tm_sec:02d}"


def ts_epoch(t: float) -> str:
    return str(int(t))


def ts_epoch3(t: float) -> str:
    return f"{t:.3f}"


def ts_epoch6(t: float) -> str:
    return f"{t:.6f}"


def ts_epoch_ms(t: float) -> str:
    return str(int(t * 1000))


def ts_epoch_ns(t: float) -> str:
    return str(int(t * 1_000_000) * 1000)


class Ctx:
    """What renderers draw from: a random generator and the pools."""

    def __init__(self, rng: Random, pools: Pools) -> None:
        self.r, self.p = rng, pools

    def pair(self, o: dict[str, str]) -> tuple[str, str]:
        """(source, destination) of one address family; a planted IPv6 pulls the other side to IPv6."""
        src, dst = o.get("src"), o.get("dst")
        v6 = (src is not None and ":" in src) or (dst is not None and ":" in dst) or (
            src is None and dst is None and self.r.random() < 0.06)
        if v6:
            return src or self.p.client6(), dst or self.p.public6()
        return src or self.p.client(), dst or self.p.public()

    def port(self) -> int:
        return self.r.randint(1024, 65535)

    def pid(self) -> int:
        return self.r.randint(300, 65000)


def r_syslog(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    head = f"{TS1} {p.host()} "
    if "text" in o:
        prog = r.choice(["ids-bridge", "clamd", "nginx", "haproxy", "sensor", "fail2ban.actions", "logger"])
        return f"{head}{prog}[{c.pid()}]: {o['text']}"
    x = r.random()
    if "name" in o or ("src" not in o and x < 0.4):
        name = o.get("name") or p.fqdn()
        if "src" in o or x < 0.2:
            qtype = "AAAA" if r.random() < 0.3 else "A"
            return f"{head}dnsmasq[{c.pid()}]: query[{qtype}] {name} from {o.get('src') or p.client()}"
        if x < 0.3:
            return f"{head}dnsmasq[{c.pid()}]: forwarded {name} to {p.server()}"
        return f"{head}dnsmasq[{c.pid()}]: reply {name} is {p.public()}"
    if "src" in o or x < 0.75:
        ip, user, port = o.get("src") or p.public(), p.user(), c.port()
        y = r.random()
        if y < 0.4:
            return f"{head}sshd[{c.pid()}]: Failed password for invalid user {user} from {ip} port {port} ssh2"
        if y < 0.6:
            return f"{head}sshd[{c.pid()}]: Connection closed by authenticating user {user} {ip} port {port} [preauth]"
        if y < 0.8:
            return (f"{head}sshd[{c.pid()}]: Accepted publickey for {user} from {ip} port {port} ssh2: "
                    f"ED25519 SHA256:{''.join(r.choices(ALNUM, k=43))}")
        return f"{head}sshd[{c.pid()}]: Disconnected from invalid user {user} {ip} port {port} [preauth]"
    y = r.random()
    if y < 0.4:
        return f"{head}CRON[{c.pid()}]: (root) CMD (/usr/local/bin/backup-{r.choice(SYLLABLES)}.sh >/dev/null 2>&1)"
    if y < 0.7:
        return f"{head}systemd[1]: Started session-{r.randrange(1, 9999)}.scope - Session of User {p.user()}."
    return (f"{head}sudo[{c.pid()}]: {p.user()} : TTY=pts/{r.randrange(5)} ; PWD=/home/{p.user()} ; USER=root ; "
            f"COMMAND=/usr/bin/systemctl restart {r.choice(['nginx', 'postfix', 'named', 'squid'])}")


def r_bind(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    name = o.get("name") or p.fqdn()
    qtype = r.choice(["A", "A", "A", "AAAA", "AAAA", "MX", "TXT", "HTTPS"])
    return (f"{TS1} client @0x7f{r.getrandbits(40):010x} {o.get('src') or p.client()}#{c.port()} ({name}): "
            f"query: {name} IN {qtype} +E(0)K ({p.server()})")


def r_unbound(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    name = o.get("name") or p.fqdn()
    qtype = r.choice(["A", "A", "AAAA", "HTTPS", "MX"])
    return (f"[{TS1}] unbound[{r.randrange(700, 900)}:{r.randrange(4)}] info: {o.get('src') or p.client()} "
            f"{name}. {qtype} IN")


def windns_name(name: str) -> str:
    return "".join(f"({len(label)}){label}" for label in name.split(".") if label) + "(0)"


def r_windns(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    name = o.get("name") or p.fqdn()
    ip = o.get("src") or p.client()
    qtype = r.choice(["A", "A", "AAAA", "SRV", "SOA"])
    direction = "Rcv" if r.random() < 0.5 else "Snd"
    flags = "Q [0001   D   NOERROR]" if direction == "Rcv" else "R Q [8081   DR  NOERROR]"
    return (f"{TS1} {r.getrandbits(16):04X} PACKET  {r.getrandbits(32):016X} UDP {direction} {ip:<15} "
            f"{r.getrandbits(16):04x}   {flags} {qtype:<6} {windns_name(name)}")


def r_squid(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    src, dst = c.pair(o)
    if "url" in o or ("name" not in o and r.random() < 0.6):
        url = o.get("url") or p.url()
        status = r.choice(["TCP_MISS/200", "TCP_MISS/200", "TCP_HIT/200", "TCP_MISS/304", "TCP_DENIED/403"])
        mime = r.choice(["text/html", "application/json", "image/png", "application/octet-stream", "-"])
        return (f"{TS1} {r.randrange(1, 3000):>6} {src} {status} {r.randrange(200, 90000)} GET {url} - "
                f"HIER_DIRECT/{dst} {mime}")
    name = o.get("name") or p.fqdn()
    return (f"{TS1} {r.randrange(50, 120000):>6} {src} TCP_TUNNEL/200 {r.randrange(1000, 900000)} CONNECT "
            f"{name}:443 {p.user() if r.random() < 0.3 else '-'} HIER_DIRECT/{dst} -")


def r_apache(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    src = o.get("src") or (p.public() if r.random() < 0.9 else p.public6())
    path = r.choice(["/", "/buergerservice/termine", "/rathaus/aktuelles", "/index.php?id=12", "/formulare/antrag.pdf",
                     "/wp-login.php", "/favicon.ico", "/suche?q=abfall", "/impressum"])
    referer = o.get("url") or (p.url() if r.random() < 0.5 else "-")
    status = r.choice(["200", "200", "200", "304", "404", "301"])
    return (f'{src} - - [{TS1}] "GET {path} HTTP/1.1" {status} {r.randrange(200, 60000)} "{referer}" '
            f'"{p.ua()}"')


ZEEK_DNS_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "trans_id", "rtt",
                   "query", "qclass", "qclass_name", "qtype", "qtype_name", "rcode", "rcode_name", "AA", "TC", "RD",
                   "RA", "Z", "answers", "TTLs", "rejected"]
ZEEK_DNS_TYPES = ["time", "string", "addr", "port", "addr", "port", "enum", "count", "interval", "string", "count",
                  "string", "count", "string", "count", "string", "bool", "bool", "bool", "bool", "count",
                  "vector[string]", "vector[interval]", "bool"]
ZEEK_HEADER = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tdns",
               f"#open\t{TS3}", "#fields\t" + "\t".join(ZEEK_DNS_FIELDS), "#types\t" + "\t".join(ZEEK_DNS_TYPES)]


def r_zeek_tsv(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    src = o.get("src") or p.client()
    name = o.get("name") or p.fqdn()
    answer = o.get("dst") or (p.public6() if ":" in src else p.public())
    v6 = ":" in answer
    answers = f"{answer},{p.public6() if v6 else p.public()}" if r.random() < 0.3 else answer
    ttls = ",".join("300.000000" for _ in answers.split(","))
    return "\t".join([TS1, p.uid(), src, str(c.port()), p.server() if ":" not in src else p.client6(), "53", "udp",
                      str(r.randrange(65536)), f"0.{r.randrange(1000, 99999):06d}", name, "1", "C_INTERNET",
                      "28" if v6 else "1", "AAAA" if v6 else "A", "0", "NOERROR", "F", "F", "T", "T", "0", answers,
                      ttls, "F"])


def r_zeek_json(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    src, dst = c.pair(o)
    head = f'{{"ts":{TS1},"uid":"{p.uid()}","id.orig_h":"{src}","id.orig_p":{c.port()},"id.resp_h":"{dst}",'
    hashes = [k for k in ("md5", "sha1", "sha256") if k in o]
    x = r.random()
    if hashes or (not o and x < 0.1):
        name, md5, sha1, sha256 = p.files()
        return (f'{{"ts":{TS1},"fuid":"{p.uid("F")}","uid":"{p.uid()}","id.orig_h":"{dst}","id.resp_h":"{src}",'
                f'"source":"HTTP","depth":0,"analyzers":["MD5","SHA1","SHA256","PE"],'
                f'"mime_type":"application/x-dosexec","filename":"{name}","duration":0.0{r.randrange(100, 999)},'
                f'"is_orig":false,"seen_bytes":{r.randrange(1000, 9000000)},"missing_bytes":0,'
                f'"md5":"{o.get("md5", md5)}","sha1":"{o.get("sha1", sha1)}","sha256":"{o.get("sha256", sha256)}"}}')
    if "url" in o or (not o and x < 0.3):
        url = o.get("url") or p.url()
        return (f'{head}"id.resp_p":80,"trans_depth":1,"method":"GET","host":"{p.fqdn()}",'
                f'"uri":"/{r.choice(SYLLABLES)}","referrer":"{url}","version":"1.1","user_agent":"{p.ua()}",'
                f'"request_body_len":0,"response_body_len":{r.randrange(100, 90000)},"status_code":200,'
                f'"status_msg":"OK"}}')
    if "name" in o or (not o and x < 0.7) or ("src" in o and x < 0.5):
        name = o.get("name") or p.fqdn()
        return (f'{head}"id.resp_p":53,"proto":"udp","trans_id":{r.randrange(65536)},"query":"{name}",'
                f'"qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR",'
                f'"AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["{p.public()}"],"TTLs":[300.0],'
                f'"rejected":false}}')
    return (f'{head}"id.resp_p":{r.choice([443, 443, 80, 22, 3389])},"proto":"tcp","service":"ssl",'
            f'"duration":{r.random() * 30:.6f},"orig_bytes":{r.randrange(100, 90000)},'
            f'"resp_bytes":{r.randrange(100, 900000)},"conn_state":"SF","local_orig":true,"local_resp":false,'
            f'"missed_bytes":0,"history":"ShADadFf","orig_pkts":{r.randrange(5, 500)},'
            f'"resp_pkts":{r.randrange(5, 900)}}}')


def r_eve(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    src, dst = c.pair(o)
    x = r.random()
    hashes = [k for k in ("md5", "sha1", "sha256") if k in o]
    if hashes or (not o and x < 0.08):
        kind, dport, proto = "fileinfo", 80, "TCP"
    elif "url" in o or (not o and x < 0.3):
        kind, dport, proto = "http", 80, "TCP"
    elif "name" in o or (not o and x < 0.75) or ("src" in o and x < 0.5):
        kind, dport, proto = r.choice([("dns", 53, "UDP"), ("dns", 53, "UDP"), ("tls", 443, "TCP")])
        if "name" not in o and kind == "tls":
            kind = "dns"
            dport, proto = 53, "UDP"
    else:
        kind, dport, proto = "tls", 443, "TCP"
    head = (f'{{"timestamp":"{TS1}","flow_id":{r.getrandbits(50)},"in_iface":"eth0","event_type":"{kind}",'
            f'"src_ip":"{src}","src_port":{c.port()},"dest_ip":"{dst}","dest_port":{dport},"proto":"{proto}",')
    if kind == "dns":
        return (f'{head}"dns":{{"version":2,"type":"query","id":{r.randrange(65536)},'
                f'"rrname":"{o.get("name") or p.fqdn()}","rrtype":"{r.choice(["A", "A", "AAAA"])}","tx_id":0,'
                f'"opcode":0}}}}')
    if kind == "tls":
        return (f'{head}"tls":{{"subject":"CN={p.fqdn()}","issuerdn":"C=US, O=Let\'s Encrypt, CN=R11",'
                f'"serial":"04:{r.getrandbits(8):02X}:{r.getrandbits(8):02X}","fingerprint":"{_hex(r, 40)}",'
                f'"sni":"{o.get("name") or p.fqdn()}","version":"TLS 1.3","notbefore":"2026-10-01T00:00:00",'
                f'"notafter":"2026-12-30T23:59:59","ja3":{{"hash":"{_hex(r, 32)}"}}}}}}')
    http = (f'"http":{{"hostname":"{p.fqdn()}","url":"/{r.choice(SYLLABLES)}{r.choice(SYLLABLES)}",'
            f'"http_user_agent":"{p.ua()}","http_refer":"{o.get("url") or p.url()}",'
            f'"http_content_type":"text/html","http_method":"GET","protocol":"HTTP/1.1","status":200,'
            f'"length":{r.randrange(100, 90000)}}}')
    if kind == "http":
        return f"{head}{http}}}"
    name, md5, sha1, sha256 = p.files()
    return (f'{head}{http},"app_proto":"http","fileinfo":{{"filename":"/download/{name}","sid":[],'
            f'"magic":"PE32+ executable (GUI) x86-64, for MS Windows","gaps":false,"state":"CLOSED",'
            f'"md5":"{o.get("md5", md5)}","sha1":"{o.get("sha1", sha1)}","sha256":"{o.get("sha256", sha256)}",'
            f'"stored":false,"size":{r.randrange(1000, 9000000)},"tx_id":0}}}}')


def r_cef(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    src, dst = c.pair(o)
    head = f"{TS1} {p.host()} CEF:0|"
    hash_kind = next((k for k in ("md5", "sha1", "sha256") if k in o), None)
    if hash_kind or (not o and r.random() < 0.2):
        fhash = o[hash_kind] if hash_kind else p.files()[3]
        return (f"{head}Trend Micro|Deep Security Agent|20.0.1|4000000|Eicar_test_file|6|cn1=1 cn1Label=Host ID "
                f"dvchost=ws-{r.randrange(1, 999):04d} src={src} duser={p.user()} fname=setup.exe "
                f"fileHash={fhash} act=Quarantine rt={TS2}")
    if "url" in o or "name" in o or "email" in o or r.random() < 0.6:
        url = o.get("url") or p.url()
        ext = f" suser={o['email']}" if "email" in o else ""
        dhost = f" dhost={o['name']}" if "name" in o else ""
        return (f"{head}Zscaler|NSSWeblog|5.7|Allowed|None|0|act=Allowed src={src} dst={dst}{dhost} "
                f"requestMethod=GET request={url} app=HTTPS cat=Business{ext} rt={TS2}")
    return (f"{head}Check Point|VPN-1 & FireWall-1|R81.20|Log|Drop|5|src={src} dst={dst} spt={c.port()} "
            f"dpt={r.choice([445, 3389, 22, 23])} proto=6 act=Drop rt={TS2}")


def r_fortinet(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    src, dst = c.pair(o)
    head = (f'{TS1} devname="FGT-VGM-01" devid="FG100FTK2200{r.randrange(1000, 9999)}" eventtime={TS2} '
            f'tz="+0100" ')
    hash_kind = next((k for k in ("md5", "sha1", "sha256") if k in o), None)
    if hash_kind or (not o and r.random() < 0.05):
        name, _, _, sha256 = p.files()
        return (f'{head}logid="0211008192" type="utm" subtype="virus" eventtype="infected" level="warning" '
                f'vd="root" srcip={src} dstip={dst} srcport={c.port()} dstport=80 proto=6 service="HTTP" '
                f'action="blocked" filename="{name}" virus="W32/Agent.ABC!tr" '
                f'filehash="{o[hash_kind] if hash_kind else sha256}"')
    if "email" in o:
        return (f'{head}logid="0510020491" type="utm" subtype="emailfilter" level="notice" vd="root" srcip={src} '
                f'dstip={dst} action="blocked" from="{o["email"]}" to="{p.internal_mail()}" subject="Rechnung"')
    if "url" in o or "name" in o or (not o and r.random() < 0.3):
        url = o.get("url") or p.url()
        host = o.get("name") or url.split("/")[2]
        return (f'{head}logid="0316013056" type="utm" subtype="webfilter" eventtype="ftgd_blk" level="warning" '
                f'vd="root" srcip={src} srcport={c.port()} dstip={dst} dstport=443 proto=6 service="HTTPS" '
                f'hostname="{host}" action="blocked" url="{url}" cat=26 catdesc="Malicious Websites"')
    return (f'{head}logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip={src} '
            f'srcport={c.port()} srcintf="port1" dstip={dst} dstport={r.choice([443, 443, 80, 53, 123])} '
            f'dstintf="wan1" proto=6 action="{r.choice(["accept", "accept", "close", "deny"])}" '
            f'policyid={r.randrange(1, 40)} service="HTTPS" sentbyte={r.randrange(100, 90000)} '
            f'rcvdbyte={r.randrange(100, 900000)}')


def r_filterlog(c: Ctx, o: dict[str, str]) -> str:
    r = c.r
    src, dst = c.pair(o)
    rule = r.choice(["1000000103", "1000000104"])
    head = f"{TS1} fw01 filterlog[{c.pid()}]: {r.randrange(3, 90)},,,{rule},igb0,match,"
    action = r.choice(["block", "block", "pass"])
    if ":" in src:
        return (f"{head}{action},in,6,0x00,0x00000,64,UDP,17,40,{src},{dst},{c.port()},53,40")
    return (f"{head}{action},in,4,0x0,,{r.choice([64, 128, 52])},{r.randrange(65536)},0,DF,6,tcp,60,{src},{dst},"
            f"{c.port()},{r.choice([443, 22, 445, 3389, 80])},0,S,{r.getrandbits(31)},,64240,,mss;sackOK;TS;nop;wscale")


def r_postfix(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    head = f"{TS1} mx01 postfix/"
    qid = "".join(r.choices("0123456789BCDFGHJKLMNPQRSTVWXYZ", k=10))
    if "email" in o or (not o and r.random() < 0.5):
        mail = o.get("email") or p.mail()
        if r.random() < 0.5:
            return (f"{head}qmgr[{c.pid()}]: {qid}: from=<{mail}>, size={r.randrange(900, 900000)}, nrcpt=1 "
                    "(queue active)")
        return (f"{head}smtp[{c.pid()}]: {qid}: to=<{mail}>, relay={p.fqdn()}[{p.public()}]:25, "
                f"delay=0.{r.randrange(10, 99)}, delays=0.1/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)")
    name = o.get("name") or (p.fqdn() if r.random() < 0.6 else "unknown")
    ip = o.get("src") or p.public()
    if r.random() < 0.5:
        return f"{head}smtpd[{c.pid()}]: connect from {name}[{ip}]"
    return f"{head}smtpd[{c.pid()}]: {qid}: client={name}[{ip}]"


EXCHANGE_FIELDS = ("date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"
                   "source,event-id,internal-message-id,message-id,network-message-id,recipient-address,"
                   "recipient-status,total-bytes,recipient-count,related-recipient-address,reference,"
                   "message-subject,sender-address,return-path,message-info,directionality,tenant-id,"
                   "original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version")
EXCHANGE_HEADER = ["#Software: Microsoft Exchange Server", "#Version: 15.02.1544.004",
                   "#Log-type: Message Tracking Log", f"#Date: {TS1}", f"#Fields: {EXCHANGE_FIELDS}"]
SUBJECTS = ["Rechnung November", "Einladung Gemeinderatssitzung", "AW: Bauantrag", "Protokoll Ausschuss",
            "WG: Termin Buergerbuero", "Ihre Bestellung", "Newsletter", "Mahnung", "Abfallkalender 2027"]


def _guid(r: Random) -> str:
    h = _hex(r, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def r_exchange(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    src = o.get("src") or p.public()
    name = o.get("name") or p.fqdn()
    sender = o.get("email") or p.external_mail()
    rcpt = p.internal_mail()
    if "email" in o and r.random() < 0.3:
        sender, rcpt = p.internal_mail(), o["email"]
    gid = _guid(r)
    return (f"{TS1},{src},{name},{o.get('dst') or '10.0.0.25'},EX01,08DCF1{r.getrandbits(24):06X};"
            f"250 2.0.0 OK,EX01\\Default Frontend EX01,SMTP,RECEIVE,{r.randrange(10**10, 10**11)},"
            f"<{gid}@{p.domain()}>,{_guid(r)},{rcpt},,{r.randrange(2000, 900000)},1,,,{r.choice(SUBJECTS)},"
            f"{sender},{sender},,Incoming,,,,,Email,{_guid(r)},15.02.1544.004")


def r_jsonl(c: Ctx, o: dict[str, str]) -> str:
    r, p = c.r, c.p
    src, dst = c.pair(o)
    parts = [f'{{"@timestamp":"{TS1}","host":"{p.host()}","app":"{r.choice(["buergerportal", "ris", "eakte", "vpn"])}"',
             f'"level":"{r.choice(["info", "info", "warn", "error"])}"', f'"client":"{src}"']
    if "dst" in o or r.random() < 0.3:
        parts.append(f'"upstream":"{dst}"')
    if "name" in o:
        parts.append(f'"query":"{o["name"]}"')
    if "url" in o or r.random() < 0.3:
        parts.append(f'"url":"{o.get("url") or p.url()}"')
    if "email" in o or r.random() < 0.2:
        parts.append(f'"user":"{o.get("email") or p.internal_mail()}"')
    for kind in ("md5", "sha1", "sha256"):
        if kind in o:
            parts.append(f'"{kind}":"{o[kind]}"')
    text = o.get("text") or r.choice(["request completed", "login ok", "session expired", "upstream timeout",
                                      "password reset requested", "file uploaded", "rate limit reached"])
    parts.append(f'"msg":"{text}"')
    parts.append(f'"duration_ms":{r.randrange(1, 5000)}}}')
    return ",".join(parts)


@dataclass(frozen=True)
class Format:
    name: str
    weight: float
    render: Callable[[Ctx, dict[str, str]], str]
    slots: frozenset[str]
    stamps: tuple[tuple[str, Callable[[float], str]], ...]
    header: tuple[str, ...] = ()


_IP, _NET = {"src", "dst"}, {"src", "dst", "name", "url"}
_HASH = {"md5", "sha1", "sha256"}
FORMATS: dict[str, Format] = {f.name: f for f in [
    Format("syslog", 10, r_syslog, frozenset({"src", "name", "text"}), ((TS1, ts_syslog),)),
    Format("bind", 8, r_bind, frozenset({"src", "name"}), ((TS1, ts_bind),)),
    Format("unbound", 5, r_unbound, frozenset({"src", "name"}), ((TS1, ts_epoch),)),
    Format("windows-dns", 5, r_windns, frozenset({"src", "name"}), ((TS1, ts_windns),)),
    Format("squid", 8, r_squid, frozenset(_NET), ((TS1, ts_epoch3),)),
    Format("apache", 8, r_apache, frozenset({"src", "url"}), ((TS1, ts_apache),)),
    Format("zeek-tsv", 6, r_zeek_tsv, frozenset({"src", "dst", "name"}), ((TS1, ts_epoch6), (TS3, ts_zeek_open)),
           tuple(ZEEK_HEADER)),
    Format("zeek-json", 6, r_zeek_json, frozenset(_NET | _HASH), ((TS1, ts_epoch6),)),
    Format("suricata-eve", 8, r_eve, frozenset(_NET | _HASH), ((TS1, ts_iso_local),)),
    Format("cef", 5, r_cef, frozenset(_NET | _HASH | {"email"}), ((TS1, ts_syslog), (TS2, ts_epoch_ms))),
    Format("fortinet", 8, r_fortinet, frozenset(_NET | _HASH | {"email"}), ((TS1, ts_forti), (TS2, ts_epoch_ns))),
    Format("filterlog", 8, r_filterlog, frozenset(_IP), ((TS1, ts_syslog),)),
    Format("postfix", 6, r_postfix, frozenset({"src", "name", "email"}), ((TS1, ts_syslog),)),
    Format("exchange", 4, r_exchange, frozenset({"src", "dst", "name", "email"}), ((TS1, ts_iso_utc),),
           tuple(EXCHANGE_HEADER)),
    Format("json-lines", 5, r_jsonl, frozenset(_NET | _HASH | {"email", "text"}), ((TS1, ts_iso_utc),)),
]}


def stamp(text: str, fmt: Format, t: float) -> str:
    for placeholder, fn in fmt.stamps:
        text = text.replace(placeholder, fn(t))
    return text


# ---------------------------------------------------------------------------------------------------------
# Indicators
# ---------------------------------------------------------------------------------------------------------

BAD_WORDS = ["evil", "c2", "update", "login", "cdn-sync", "secure", "portal", "files", "api", "dl", "office",
             "auth", "track", "verify", "invoice", "beacon", "relay", "sync", "drop", "gate"]
URL_PATHS_BAD = ["/payload.exe", "/gate.php", "/admin/", "/wp-content/uploads/2026/11/{w}.zip", "/api/v2/beacon",
                 "/inv/{n}/rechnung.pdf.exe", "/dl/{w}.bin", "/{w}/index.php", "/update/", "/s/{h}"]
MAIL_LOCALS = ["joe", "rechnung", "buchhaltung", "info", "noreply", "support", "a.meier", "k.schulz", "billing",
               "hr-abteilung", "paket", "admin"]
FILLER_V4_FIRST = [37, 46, 62, 77, 81, 85, 91, 94, 151, 176, 185, 213, 217]  # never (a suffix of) a log octet


@dataclass
class Planted:
    """The 200 indicators the log actually hits, by type, in a fixed order."""

    values: dict[str, list[str]] = field(default_factory=dict)

    def all(self) -> list[tuple[str, str]]:
        return [(kind, v) for kind, vals in self.values.items() for v in vals]


def make_planted(rng: Random) -> Planted:
    r = rng
    v: dict[str, list[str]] = {k: [] for k in TYPE_SHARES}
    for k in range(1, PLANTED_COUNTS["domain"] + 1):
        word = BAD_WORDS[k % len(BAD_WORDS)]
        v["domain"].append(f"{r.choice(BAD_WORDS)}.{word}.ioc-{k}.test" if k % 7 == 0 else f"{word}.ioc-{k}.test")
    for k in range(1, PLANTED_COUNTS["hostname"] + 1):
        v["hostname"].append(f"{r.choice(['srv', 'vpn', 'gw', 'mx', 'ns'])}{r.randrange(1, 99):02d}.host-{k}.test")
    thirds = r.sample(range(1, 128), 30)
    lasts = r.sample(range(3, 250, 6), PLANTED_COUNTS["ipv4"] - 30)  # d, d±1, d*10+5 never collide
    v["ipv4"] = [f"198.18.{third}.{r.randrange(1, 26) if i % 2 else r.randrange(1, 255)}"
                 for i, third in enumerate(thirds)] + [f"203.0.113.{last}" for last in lasts]
    blocks = ["198.18.128.0", "198.18.192.0", "198.19.0.0", "198.19.64.0", "198.19.128.0", "198.19.192.0"]
    for block, plen in zip(blocks, [20, 22, 23, 24, 27, 30], strict=True):
        positions = 1 << (plen - 18)
        base = int(ipaddress.IPv4Address(block)) + r.randrange(1, positions - 1) * (1 << (32 - plen))
        v["ipv4_cidr"].append(str(ipaddress.IPv4Network((base, plen))))
    for k in r.sample(range(1, 0x7FFF), PLANTED_COUNTS["ipv6"]):
        addr = f"2001:db8:{k:x}:{r.randrange(1, 0xFFFF):x}::{r.randrange(1, 0xFFF):x}"
        v["ipv6"].append(str(ipaddress.IPv6Address(addr)))
    v["ipv6_cidr"] = ["2001:db8:8a50::/44", "2001:db8:9c00:1230::/60"]
    for k in range(1, PLANTED_COUNTS["url"] + 1):
        path = URL_PATHS_BAD[k % len(URL_PATHS_BAD)].format(w=r.choice(BAD_WORDS), n=r.randrange(100, 999),
                                                           h=_hex(r, 6))
        query = f"?id={r.randrange(1000, 9999)}&k={_hex(r, 8)}" if k % 5 == 0 else ""
        v["url"].append(f"{'https' if k % 3 else 'http'}://{r.choice(BAD_WORDS)}.url-{k}.test{path}{query}")
    for k in range(1, PLANTED_COUNTS["email"] + 1):
        v["email"].append(f"{MAIL_LOCALS[k - 1]}@{r.choice(BAD_WORDS)}.mail-{k}.test")
    for kind, n in HASH_LENGTHS.items():
        v[kind] = [_hex(r, n) for _ in range(PLANTED_COUNTS[kind])]
    return Planted(v)


def type_quota(n: int) -> dict[str, int]:
    """How many indicators of each type a set of n holds (largest remainder)."""
    exact = {k: n * s for k, s in TYPE_SHARES.items()}
    quota = {k: int(x) for k, x in exact.items()}
    for k in sorted(exact, key=lambda k: quota[k] - exact[k])[:n - sum(quota.values())]:
        quota[k] += 1
    return quota


def make_filler(rng: Random, kind: str, count: int) -> list[str]:
    """count distinct values of one type from the filler name spaces (never in the log)."""
    r = rng
    out: list[str] = []
    seen: set[str] = set()
    n = 0
    while len(out) < count:
        n += 1
        if kind == "domain":
            value = f"{r.choice(BAD_WORDS)}-{n:x}.bad{r.randrange(1000)}.example"
        elif kind == "hostname":
            value = f"{r.choice(['srv', 'vpn', 'gw', 'mx', 'ns'])}-{n:x}.host{r.randrange(1000)}.example"
        elif kind == "ipv4":
            value = f"{r.choice(FILLER_V4_FIRST)}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"
        elif kind == "ipv4_cidr":
            plen = r.randint(16, 30)
            base = (r.choice(FILLER_V4_FIRST) << 24) | r.getrandbits(24)
            value = str(ipaddress.IPv4Network((base >> (32 - plen) << (32 - plen), plen)))
        elif kind == "ipv6":
            value = str(ipaddress.IPv6Address((0x3FFF << 112) | r.getrandbits(108)))
        elif kind == "ipv6_cidr":
            plen = r.randint(32, 64)
            base = (0x3FFF << 112) | r.getrandbits(108)
            value = str(ipaddress.IPv6Network((base >> (128 - plen) << (128 - plen), plen)))
        elif kind == "url":
            path = URL_PATHS_BAD[n % len(URL_PATHS_BAD)].format(w=r.choice(BAD_WORDS), n=n, h=_hex(r, 6))
            query = f"?id={n}" if r.random() < 0.2 else ""
            value = f"{r.choice(['http', 'https'])}://{r.choice(BAD_WORDS)}-{n:x}.bad{r.randrange(1000)}.example{path}{query}"
        elif kind == "email":
            value = f"{r.choice(MAIL_LOCALS)}{n:x}@{r.choice(BAD_WORDS)}.bad{r.randrange(1000)}.example"
        else:
            value = _hex(r, HASH_LENGTHS[kind])
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


def make_set(seed: int, n: int, planted: Planted) -> list[tuple[str, str]]:
    if n < PLANTED:
        raise SystemExit(f"indicator sets need at least {PLANTED} values (got {n})")
    rng = Random(f"{seed}:filler:{n}")
    rows = planted.all()
    for kind, want in type_quota(n).items():
        rows.extend((kind, v) for v in make_filler(rng, kind, want - len(planted.values[kind])))
    rng.shuffle(rows)
    return rows


# ---------------------------------------------------------------------------------------------------------
# Planted lines: true hits and near misses
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Special:
    fmt: str
    text: str
    frac: float  # where in the file it goes (0..1)
    hits: set[tuple[str, str]] = field(default_factory=set)
    note: str = ""  # near-miss description ("" for truth lines)
    line_no: int = 0


IP_TEXTS = ["connect to {x} failed: Connection refused", "outbound connection to {x} blocked by policy",
            "peer {x} reset the connection", "resolved fallback resolver {x}", "Blocked traffic from {x}"]


def _upper_host(url: str) -> str:
    scheme, _, rest = url.partition("://")
    host, slash, tail = rest.partition("/")
    return f"{scheme.upper()}://{host.upper()}{slash}{tail}"


def _with_port(url: str) -> str:
    scheme, _, rest = url.partition("://")
    host, slash, tail = rest.partition("/")
    return f"{scheme}://{host}:{_DEFAULT_PORTS[scheme]}{slash}{tail}"


def _toggle_slash(url: str) -> str:
    base, q, query = url.partition("?")
    path = base.split("://", 1)[1].partition("/")[2]
    if path == "":
        return url
    base = base[:-1] if base.endswith("/") else base + "/"
    return base + q + query


def truth_variants(kind: str, value: str, r: Random) -> list[tuple[str, str]]:
    """(slot, text) forms of a planted value that must hit it."""
    if kind == "domain":
        return [("name", value), ("name", f"{r.choice(['a.b', 'www', 'cdn.eu'])}.{value}"), ("name", value.upper()),
                ("fqdn", value + "."), ("windns", value), ("url", f"https://{value}/{r.choice(BAD_WORDS)}.js"),
                ("email", f"{r.choice(MAIL_LOCALS)}@{value}"), ("name", value.capitalize())]
    if kind == "hostname":
        return [("name", value), ("name", value.upper()), ("fqdn", value + "."), ("windns", value)]
    if kind == "ipv4":
        return [("src", value), ("dst", value), ("text", r.choice(IP_TEXTS).format(x=f"{value}:443")),
                ("text", f"request denied ({value})"), ("text", f"forwarding query to {value}#53"),
                ("text", f"v4-mapped peer ::ffff:{value} closed"), ("text", f"Blocked traffic from {value}."),
                ("text", f"rule=drop ip={value} count=3"), ("src", value)]
    if kind == "ipv4_cidr":
        net = ipaddress.IPv4Network(value)
        inside = [net.network_address, net.broadcast_address,
                  net.network_address + r.randrange(net.num_addresses)]
        return [("src", str(inside[2])), ("dst", str(inside[0])), ("src", str(inside[1])),
                ("text", r.choice(IP_TEXTS).format(x=f"{inside[2]}:8080"))]
    if kind == "ipv6":
        addr = ipaddress.IPv6Address(value)
        return [("src", value), ("src", addr.exploded), ("dst", value.upper()),
                ("text", r.choice(IP_TEXTS).format(x=f"[{value}]:443")),
                ("text", f"neighbor {value}%eth0 unreachable"), ("dst", addr.exploded.upper())]
    if kind == "ipv6_cidr":
        net = ipaddress.IPv6Network(value)
        a = net.network_address + r.randrange(net.num_addresses)
        return [("src", str(a)), ("dst", a.exploded), ("src", str(net.broadcast_address))]
    if kind == "url":
        forms = [("url", value), ("url", _upper_host(value)), ("url", _with_port(value)),
                 ("url", _toggle_slash(value)), ("url", value + "#top")]
        if "?" not in value:
            forms.append(("url", value + f"?utm_source=mail&id={r.randrange(100, 999)}"))
        return forms
    if kind == "email":
        return [("email", value), ("email", value.upper()), ("email", value.capitalize()),
                ("text", f"mail from <{value}> rejected: spam score 9.1")]
    return [(kind, value), (kind, value.upper()), ("text", f"quarantined /var/lib/av/quarantine/{value}.exe"),
            (kind, value)]


def defanged_variant(kind: str, value: str) -> str:
    if kind in ("domain", "hostname"):
        return f"IOC from CERT advisory: {value.replace('.', '[.]')} (do not open)"
    if kind == "url":
        return f"phishing link reported: {value.replace('http', 'hxxp', 1).replace('.test', '[.]test')}"
    if kind == "ipv4":
        head, _, last = value.rpartition(".")
        return f"scanner seen at {head}[.]{last} in honeypot"
    return f"sender {value.replace('.', '[.]')} listed in advisory"


def near_miss_variants(kind: str, value: str, r: Random) -> list[tuple[str, str, str]]:
    """(slot, text, description) forms close to a planted value that must NOT hit anything."""
    if kind == "domain":
        first, _, rest = value.partition(".")
        return [("name", "not" + value, f"label prefix vs domain {value}"),
                ("name", value + ".org", f"extra TLD vs domain {value}"),
                ("name", value + "-cdn.com", f"label suffix vs domain {value}"),
                ("name", f"{first}-{rest}", f"dash for dot vs domain {value}"),
                ("name", rest, f"parent of domain {value}"),
                ("url", f"https://not{value}/index.html", f"URL host with label prefix vs domain {value}"),
                ("email", f"info@{value}.org", f"mail domain with extra TLD vs domain {value}")]
    if kind == "hostname":
        return [("name", "www." + value, f"subdomain of hostname {value}"),
                ("name", value.partition(".")[2], f"parent of hostname {value}"),
                ("fqdn", "mail." + value + ".", f"subdomain (FQDN) of hostname {value}")]
    if kind == "ipv4":
        a, b, c, d = value.split(".")
        out = [("text", r.choice(IP_TEXTS).format(x=f"{a}.{b}.{c}.{d}5"), f"extra digit vs ipv4 {value}"),
               ("text", r.choice(IP_TEXTS).format(x=f"1{value}"), f"leading digit vs ipv4 {value}"),
               ("text", r.choice(IP_TEXTS).format(x=f"{value}.5"), f"fifth octet vs ipv4 {value}"),
               ("src", f"{a}.{b}.{c}.{int(d) + 1}", f"next address vs ipv4 {value}")]
        if int(d) * 10 + 1 <= 255:
            out.append(("dst", f"{a}.{b}.{c}.{d}1", f"longer last octet vs ipv4 {value}"))
        return out
    if kind == "ipv4_cidr":
        net = ipaddress.IPv4Network(value)
        return [("src", str(net.network_address - 1), f"just below ipv4_cidr {value}"),
                ("dst", str(net.broadcast_address + 1), f"just above ipv4_cidr {value}")]
    if kind == "ipv6":
        addr = ipaddress.IPv6Address(value)
        return [("src", str(addr + 1), f"next address vs ipv6 {value}"),
                ("dst", value + "1" if len(value.rpartition(":")[2]) < 4 else str(addr + 16),
                 f"same prefix, longer last group vs ipv6 {value}")]
    if kind == "ipv6_cidr":
        net = ipaddress.IPv6Network(value)
        return [("src", str(net.network_address - 1), f"just below ipv6_cidr {value}"),
                ("dst", str(net.broadcast_address + 1), f"just above ipv6_cidr {value}")]
    if kind == "url":
        full, q, query = value.partition("?")
        scheme, _, rest = full.partition("://")
        host, _, path = rest.partition("/")
        k = host.rsplit("-", 1)[1].split(".")[0]
        out = [("url", f"{scheme}://{host}/other/{r.choice(BAD_WORDS)}.html", f"different path vs url {value}"),
               ("url", f"{scheme}://{host.split('.')[0]}.url-{int(k) + 500}.test/{path}{q}{query}",
                f"different host, same path vs url {value}"),
               ("url", f"{'http' if scheme == 'https' else 'https'}://{host}/{path}{q}{query}",
                f"different scheme vs url {value}"),
               ("url", f"{scheme}://{host}:8443/{path}{q}{query}", f"non-default port vs url {value}")]
        if path and not path.endswith("/"):
            out.append(("url", f"{scheme}://{host}/{path}.bak{q}{query}", f"path extended vs url {value}"))
        if query:
            out.append(("url", full, f"log URL without the query of url {value}"))
            out.append(("url", f"{full}?id=1", f"different query vs url {value}"))
        return out
    if kind == "email":
        local, _, dom = value.partition("@")
        return [("email", f"x{local}@{dom}", f"longer local part vs email {value}"),
                ("email", f"{local}@mx.{dom}", f"subdomain vs email {value}"),
                ("email", f"{local}x@{dom}", f"local part suffix vs email {value}")]
    digit = r.choice("0123456789abcdef")
    return [(kind, value + digit, f"hex run one longer than {kind} {value}"),
            (kind, digit + value, f"leading hex digit vs {kind} {value}"),
            ("text", f"sample id g{value} not found", f"letter-prefixed run vs {kind} {value}"),
            (kind, value[:-1], f"truncated {kind} {value}")]


# Which formats can carry a slot: "fqdn" (a name with trailing dot) and "windns" are forms of "name".
SLOT_FORMATS: dict[str, list[str]] = {
    slot: [f.name for f in FORMATS.values() if slot in f.slots]
    for slot in ("src", "dst", "name", "url", "email", "md5", "sha1", "sha256", "text")}
SLOT_FORMATS["fqdn"] = ["unbound", "json-lines"]
SLOT_FORMATS["windns"] = ["windows-dns"]
COMBO_SLOTS = {"name", "url", "md5", "sha1", "sha256"}


class SpecialMaker:
    """Renders planted lines, spreading them over the formats that can carry their slot."""

    def __init__(self, rng: Random, pools: Pools, matcher: ReferenceMatcher) -> None:
        self.r, self.ctx, self.matcher = rng, Ctx(rng, pools), matcher
        self.per_format: dict[str, int] = dict.fromkeys(FORMATS, 0)

    def pick_format(self, slot: str, extra: str | None = None) -> str:
        names = [n for n in SLOT_FORMATS[slot] if extra is None or extra in FORMATS[n].slots]
        least = min(self.per_format[n] for n in names)
        choice = self.r.choice([n for n in names if self.per_format[n] <= least + 2])
        self.per_format[choice] += 1
        return choice

    def render(self, fmt: str, overrides: dict[str, str]) -> str:
        o = dict(overrides)
        if "fqdn" in o:
            o["name"] = o.pop("fqdn")
            if fmt == "unbound":
                o["name"] = o["name"][:-1]  # unbound writes the trailing dot itself
        if "windns" in o:
            o["name"] = o.pop("windns")
        return FORMATS[fmt].render(self.ctx, o)

    def line_hits(self, fmt: str, text: str) -> set[tuple[str, str]]:
        return self.matcher.hits(stamp(text, FORMATS[fmt], START))


def make_specials(seed: int, pools: Pools, planted: Planted, matcher: ReferenceMatcher,
                  planted_set: set[tuple[str, str]]) -> tuple[list[Special], list[Special]]:
    r = Random(f"{seed}:special")
    maker = SpecialMaker(r, pools, matcher)
    truth: list[Special] = []
    defanged_left = {"domain": 4, "url": 2, "ipv4": 2, "email": 1, "hostname": 1}
    for kind, values in planted.values.items():
        for i, value in enumerate(values):
            forms = truth_variants(kind, value, r)
            picks = [forms[(i + j) % len(forms)] for j in range(TRUTH_LINES_PER[kind])]
            if defanged_left.get(kind, 0) > 0:
                defanged_left[kind] -= 1
                picks[-1] = ("text", defanged_variant(kind, value))
            for slot, text in picks:
                overrides = {slot: text}
                intended = {(kind, value)}
                if r.random() < 0.08 and slot in COMBO_SLOTS and kind not in ("ipv4_cidr", "ipv6_cidr"):
                    ip = r.choice(planted.values["ipv4"])
                    overrides["src"] = ip
                    intended.add(("ipv4", ip))
                fmt = maker.pick_format(slot, "src" if "src" in overrides and slot != "src" else None)
                line = maker.render(fmt, overrides)
                hits = maker.line_hits(fmt, line)
                if not intended <= hits or not hits <= planted_set:
                    raise AssertionError(f"planted line misses or over-hits: {fmt}: {line!r}: {hits} vs {intended}")
                truth.append(Special(fmt, line, 0.01 + 0.98 * r.random(), hits))
    near: list[Special] = []
    candidates = [(kind, value, v) for kind, value in planted.all() for v in near_miss_variants(kind, value, r)]
    queue = candidates + [r.choice(candidates) for _ in range(max(0, NEAR_MISS_LINES - len(candidates)))]
    for _kind, _value, (slot, text, note) in queue[:NEAR_MISS_LINES]:
        fmt = maker.pick_format(slot)
        line = maker.render(fmt, {slot: text})
        if maker.line_hits(fmt, line):
            continue  # the neighbour of one indicator happens to be another: not a near miss
        near.append(Special(fmt, line, 0.01 + 0.98 * r.random(), note=note))
    return truth, near


# ---------------------------------------------------------------------------------------------------------
# The log
# ---------------------------------------------------------------------------------------------------------

def build_pools(rng: Random, pools: Pools, size_bytes: int) -> dict[str, list[str]]:
    """Pre-rendered background lines per format (with time stamp placeholders)."""
    total_weight = sum(f.weight for f in FORMATS.values())
    ctx = Ctx(rng, pools)
    out: dict[str, list[str]] = {}
    for f in FORMATS.values():
        expected = size_bytes / 230 * f.weight / total_weight
        n = int(min(40_000, max(400, expected / 4)))
        render, empty = f.render, {}
        out[f.name] = [render(ctx, empty) for _ in range(n)]
    return out


def check_background(matcher: ReferenceMatcher, lines: dict[str, list[str]]) -> None:
    """No background line, header or time stamp may hit any indicator."""
    for name, pool in lines.items():
        f = FORMATS[name]
        text = "\n".join(list(f.header) + pool)
        for t in (START, START + SPAN / 2, START + SPAN):
            text += "\n" + stamp(TS1 + " " + TS2 + " " + TS3, f, t)
        hits = matcher.bulk_hits(text)
        if hits:
            raise AssertionError(f"background of {name} hits indicators: {sorted(hits)[:5]}")


def write_log(path: Path, seed: int, lines: dict[str, list[str]], specials: list[Special],
              size_bytes: int) -> int:
    """Writes runs of 1-500 lines, places the special lines, sets their line numbers; returns the line count."""
    rng = Random(f"{seed}:log")
    names = list(FORMATS)
    cum = list(itertools.accumulate(FORMATS[n].weight for n in names))
    queues: dict[str, list[Special]] = {n: [] for n in names}
    for s in sorted(specials, key=lambda s: s.frac):
        queues[s.fmt].append(s)
    avg = sum(len(x) for pool in lines.values() for x in pool) / sum(len(pool) for pool in lines.values()) + 12
    step = SPAN / (size_bytes / avg)
    t, written, line_no = START, 0, 0
    buf: list[str] = []
    buffered = 0
    with path.open("w", encoding="ascii", newline="\n") as out:
        while written + buffered < size_bytes or any(queues.values()):
            pos = written + buffered
            if pos < size_bytes:
                name = rng.choices(names, cum_weights=cum)[0]
                k = rng.randint(1, 500)
            else:
                name = next(n for n in names if queues[n])
                k = rng.randint(1, 20)
            fmt = FORMATS[name]
            body = rng.choices(lines[name], k=k)
            queue = queues[name]
            take = 0
            if pos >= size_bytes:
                take = len(queue)
            else:
                while take < len(queue) and queue[take].frac * size_bytes <= pos:
                    take += 1
            if take:
                mine, queues[name] = queue[:take], queue[take:]
                slots = sorted(rng.sample(range(k + take), take))
                merged: list[str] = []
                used = 0  # background lines placed so far
                for s, pos in zip(mine, slots, strict=True):
                    need = pos - len(merged)
                    merged.extend(body[used:used + need])
                    used += need
                    s.line_no = line_no + len(fmt.header) + pos + 1
                    merged.append(s.text)
                merged.extend(body[used:])
                body = merged
            run = list(fmt.header) + body
            for i in range(0, len(run), CHUNK):
                chunk = "\n".join(run[i:i + CHUNK]) + "\n"
                for placeholder, fn in fmt.stamps:
                    chunk = chunk.replace(placeholder, fn(t))
                t += step * CHUNK
                buf.append(chunk)
                buffered += len(chunk)
            line_no += len(run)
            if buffered >= 8 << 20 or written + buffered >= size_bytes:
                out.write("".join(buf))
                written += buffered
                buf, buffered = [], 0
        out.write("".join(buf))
    return line_no


# ---------------------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int
    near_miss_hits: int  # false positives on near-miss lines (a subset of false_positives)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        want = self.true_positives + self.false_negatives
        return self.true_positives / want if want else 1.0

    def as_dict(self) -> dict[str, float]:
        return {"tp": self.true_positives, "fp": self.false_positives, "fn": self.false_negatives,
                "near_miss_fp": self.near_miss_hits, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4)}


def load_truth(path: Path) -> dict[int, set[tuple[str, str]]]:
    truth: dict[int, set[tuple[str, str]]] = {}
    with path.open(encoding="ascii") as f:
        for row in f:
            line, kind, value = row.rstrip("\n").split("\t")
            truth.setdefault(int(line), set()).add((kind, value))
    return truth


def load_near_misses(path: Path) -> dict[int, str]:
    with path.open(encoding="ascii") as f:
        return {int(line): note for line, note in (row.rstrip("\n").split("\t", 1) for row in f)}


def score_lines(found: Iterable[int], truth: dict[int, set[tuple[str, str]]], near: dict[int, str]) -> Score:
    """Line level: a reported line is right if it has at least one true hit (what grep -n / rg -n give)."""
    got = set(found)
    wrong = got - truth.keys()
    return Score(len(got & truth.keys()), len(wrong), len(truth.keys() - got), len(wrong & near.keys()))


def score_hits(found: Iterable[tuple[int, str, str]], truth: dict[int, set[tuple[str, str]]],
               near: dict[int, str]) -> Score:
    """Hit level: (line, type, indicator value) triples; a hit on the right line with the wrong indicator is wrong."""
    got = {(line, kind, value.lower() if kind not in ("url",) else value) for line, kind, value in found}
    want = {(line, kind, value) for line, hits in truth.items() for kind, value in hits}
    wrong = got - want
    return Score(len(got & want), len(wrong), len(want - got), len({h for h in wrong if h[0] in near}))


def parse_found(lines: Iterable[str]) -> tuple[set[int], set[tuple[int, str, str]]]:
    """Line numbers from ``grep -n``/``rg -n`` output (``N:…``) and hit triples from TSV (``N<TAB>type<TAB>value``)."""
    numbers: set[int] = set()
    triples: set[tuple[int, str, str]] = set()
    for row in lines:
        row = row.rstrip("\n")
        if not row:
            continue
        parts = row.split("\t")
        if len(parts) >= 3 and parts[0].isdigit():
            triples.add((int(parts[0]), parts[1], parts[2]))
            numbers.add(int(parts[0]))
            continue
        head = row.split(":", 1)[0]
        if head.isdigit():
            numbers.add(int(head))
    return numbers, triples


# ---------------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------------

def generate(out: Path, *, size_mb: float, counts: list[int], seed: int, log: Callable[[str], None]) -> dict:
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    planted = make_planted(Random(f"{seed}:planted"))
    planted_set = set(planted.all())
    sets = {n: make_set(seed, n, planted) for n in counts}
    matcher = ReferenceMatcher()
    for rows in sets.values():
        for kind, value in rows:
            matcher.add(kind, value)
    for n, rows in sets.items():
        with (out / f"iocs-{n}.txt").open("w", encoding="ascii", newline="\n") as txt, \
                (out / f"iocs-{n}.tsv").open("w", encoding="ascii", newline="\n") as tsv:
            txt.write("".join(f"{v}\n" for _, v in rows))
            tsv.write("".join(f"{k}\t{v}\n" for k, v in rows))
    log(f"indicator sets {counts}: {time.perf_counter() - began:.1f} s")
    size_bytes = int(size_mb * (1 << 20))
    pools = Pools(Random(f"{seed}:pools"))
    lines = build_pools(Random(f"{seed}:background"), pools, size_bytes)
    check_background(matcher, lines)
    log(f"background pools ({sum(map(len, lines.values()))} lines, checked): {time.perf_counter() - began:.1f} s")
    truth, near = make_specials(seed, pools, planted, matcher, planted_set)
    total = write_log(out / "mixed.log", seed, lines, truth + near, size_bytes)
    log(f"mixed.log ({total} lines): {time.perf_counter() - began:.1f} s")
    rows = sorted((s.line_no, kind, value) for s in truth for kind, value in s.hits)
    with (out / "truth.tsv").open("w", encoding="ascii", newline="\n") as f:
        f.write("".join(f"{line}\t{kind}\t{value}\n" for line, kind, value in rows))
    with (out / "near-misses.tsv").open("w", encoding="ascii", newline="\n") as f:
        f.write("".join(f"{s.line_no}\t{s.note}\n" for s in sorted(near, key=lambda s: s.line_no)))
    formats = sorted({s.fmt for s in truth})
    return {"lines": total, "truth_lines": len(truth), "true_hits": len(rows), "near_misses": len(near),
            "formats_with_hits": formats, "seconds": round(time.perf_counter() - began, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="output directory (or the data to score against)")
    ap.add_argument("--size-mb", type=float, default=1024, help="size of mixed.log in MiB")
    ap.add_argument("--indicators", default="10000,100000,1000000", help="comma-separated set sizes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--score", type=Path, help="score this output (grep -n / rg -n lines or N<TAB>type<TAB>value)")
    args = ap.parse_args(argv)
    if args.score:
        truth, near = load_truth(args.out / "truth.tsv"), load_near_misses(args.out / "near-misses.tsv")
        with args.score.open(encoding="utf-8", errors="replace") as f:
            numbers, triples = parse_found(f)
        result = {"lines": score_lines(numbers, truth, near).as_dict()}
        if triples:
            result["hits"] = score_hits(triples, truth, near).as_dict()
        print(json.dumps(result))
        return 0
    counts = [int(x) for x in args.indicators.split(",") if x.strip()]
    summary = generate(args.out, size_mb=args.size_mb, counts=counts, seed=args.seed,
                       log=lambda msg: print(msg, file=sys.stderr))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
