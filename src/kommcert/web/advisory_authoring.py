"""Pages of the warning service (advisory_authoring). Filled in by its owner module's work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
