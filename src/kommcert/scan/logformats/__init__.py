"""Log formats for ``kommcert scan``: which format a log line is in, when it was logged, which host logged it.

The scanner finds indicator hits in raw lines itself; for each hit line it asks a per-file
:class:`FormatTracker`. All times are returned timezone-aware in UTC.
"""

from __future__ import annotations

from kommcert.scan.logformats.model import FORMATS, LineInfo, LogFormat
from kommcert.scan.logformats.tracker import FormatTracker

__all__ = ["FORMATS", "FormatTracker", "LineInfo", "LogFormat"]
