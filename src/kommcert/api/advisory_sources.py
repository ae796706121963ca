"""JSON API of the warning service (advisory_sources). Filled in by its owner module's work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["warnings"])
