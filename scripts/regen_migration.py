"""Regenerate migrations/versions/0001_foundation.py from the models (pre-release only)."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

from alembic import command

from kommcert.migrate import alembic_config

versions = Path(str(resources.files("kommcert") / "migrations" / "versions"))
target = versions / "0001_foundation.py"
later = sorted(p for p in versions.glob("0*.py") if p.name != target.name)
held = {p: p.read_text() for p in later}
for p in later:
    p.unlink()
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    command.revision(alembic_config(f"sqlite:///{tmp}/gen.sqlite3"), message="foundation",
                     autogenerate=True, rev_id="0001")
for p, text in held.items():
    p.write_text(text)
print(f"rewrote {target}")
