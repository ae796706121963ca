"""Random inventories and advisory products from a small vocabulary, so that names, CPEs, purls and
versions collide often (shared by the property test and the database tests)."""

from __future__ import annotations

import random

from hypothesis import strategies as st

VENDORS = ["microsoft", "apache", "siemens", ""]
PRODUCTS = ["exchange_server", "http_server", "simatic_s7", "log4j"]
VERSIONS = ["1.0", "1.25.1", "1.25.2", "2.4.57", "V4.00", "3.9", "2019 CU12", "2019 Cumulative Update 12", "",
            "latest", "1.0-beta"]
SPECS = ["<1.25.2", "vers:generic/>=1.0|<2.0", "vers:npm/<1.25.2", "all", "", ">=2.0 <3.1", "siehe Hinweis",
         "2019 CU12", "vor 4.2", "<=V4.00", "2.4.0 - 2.4.57", "1.25.2"]
STATUSES = ["affected", "fixed", "not_affected", "under_investigation", "recommended"]
PRODUCT_IDS = ["CSAFPID-0001", "CSAFPID-0002", "CSAFPID-0003"]


def _cpe(rnd: random.Random, vendor: str, product: str, version: str) -> str:
    choice = rnd.random()
    if choice < 0.4:
        return ""
    if choice < 0.5:
        return f"cpe:2.3:a:{vendor}:{product} bad"
    if choice < 0.6:
        return f"cpe:/a:{vendor or 'x'}:{product}:{version.replace(' ', '_')}"
    v = version.replace(" ", "_") if version and rnd.random() < 0.5 else rnd.choice(["*", "-"])
    other = rnd.choice(PRODUCTS) if rnd.random() < 0.2 else product
    return f"cpe:2.3:a:{vendor or 'x'}:{other}:{v}:*:*:*:*:*:*:*"


def _purl(rnd: random.Random, vendor: str, product: str, version: str) -> str:
    choice = rnd.random()
    if choice < 0.6:
        return ""
    if choice < 0.7:
        return "pkg:nonsense"
    at = f"@{version.replace(' ', '')}" if version and rnd.random() < 0.5 else ""
    return f"pkg:generic/{vendor or 'x'}/{product}{at}"


def line(rnd: random.Random, item_id: int, org_id: int) -> tuple:
    vendor, product, version = rnd.choice(VENDORS), rnd.choice(PRODUCTS), rnd.choice(VERSIONS)
    written = version if rnd.random() < 0.7 else ""
    return (item_id, org_id, vendor, product if rnd.random() < 0.9 else "", written,
            _cpe(rnd, vendor, product, version), _purl(rnd, vendor, product, version))


def product(rnd: random.Random, row_id: int, advisory_id: int) -> tuple:
    vendor, product_name, spec = rnd.choice(VENDORS), rnd.choice(PRODUCTS), rnd.choice(SPECS)
    written = spec if rnd.random() < 0.7 else ""
    version = rnd.choice(VERSIONS)
    return (row_id, advisory_id, rnd.choice(PRODUCT_IDS), vendor, product_name, written,
            _cpe(rnd, vendor, product_name, version), _purl(rnd, vendor, product_name, version),
            rnd.choice(STATUSES))


def dataset(seed: int, *, orgs: int, lines: int, advisories: int, products: int) -> tuple[list, dict]:
    rnd = random.Random(seed)
    line_rows = [line(rnd, n + 1, rnd.randrange(orgs) + 1) for n in range(lines)]
    by_advisory: dict[int, list] = {}
    for n in range(products):
        advisory_id = rnd.randrange(advisories) + 1
        by_advisory.setdefault(advisory_id, []).append(product(rnd, n + 1, advisory_id))
    return line_rows, by_advisory


datasets = st.builds(lambda seed, orgs, lines, advisories, products: dataset(
    seed, orgs=orgs, lines=lines, advisories=advisories, products=products),
    st.integers(0, 2**32), st.integers(1, 6), st.integers(0, 40), st.integers(1, 5), st.integers(0, 20))
