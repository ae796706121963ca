"""kommcert as a CSAF 2.0 provider: provider-metadata.json and the directory of its own warnings."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
