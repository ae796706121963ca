"""Automated accessibility check: axe-core (vendored, see vendor/README.md) run in the page by Playwright.

``assert_accessible(page)`` fails with a readable list when axe finds a serious or critical violation.
The script goes in through the DevTools protocol (``page.evaluate``), which the page's CSP does not
govern; ``add_script_tag`` would add an inline ``<script>`` that our CSP (no inline script) refuses.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
BLOCKING = ("serious", "critical")

_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
}"""


@lru_cache(maxsize=1)
def axe_source() -> str:
    data = AXE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise AssertionError(f"{AXE} has sha256 {digest}, expected {AXE_SHA256} (see vendor/README.md)")
    return data.decode("utf-8")


def violations(page: Any, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """axe's violations of the page as it is now, with the given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return [v for v in page.evaluate(_RUN) if v["impact"] in impacts]


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        lines += [f"    {n['target']}: {(n['summary'] or '').splitlines()[-1].strip()}" for n in v["nodes"]]
    return "\n".join(lines)


def assert_accessible(page: Any, where: str | None = None) -> None:
    """No serious or critical axe violation on the page (``where`` names it in the failure)."""
    found = violations(page)
    assert not found, f"{where or page.url}:\n{describe(found)}"
