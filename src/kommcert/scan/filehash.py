"""``kommcert scan --files DIR``: hash every regular file (MD5, SHA1 and SHA256 in one read) and
look the hashes up in the indicator set — for an admin who suspects one server.

Symbolic links, devices, FIFOs and sockets are skipped; files over the size limit are listed as
skipped, as are files that cannot be read.
"""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from kommcert.scan.indicator_set import CompiledSet
from kommcert.scan.runner import Hit
from kommcert.scan.sources import Problem

CHUNK = 1 << 20


def hash_file(path: Path) -> tuple[str, str, str]:
    md5, sha1, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False), hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            md5.update(chunk)
            sha1.update(chunk)
            sha256.update(chunk)
    return md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest()


def scan_files(top: Path, compiled: CompiledSet, *, max_size: int) -> tuple[list[Hit], list[Problem]]:
    problems: list[Problem] = []
    hits: list[Hit] = []
    if not top.exists():
        return hits, [Problem(str(top), "nicht gefunden", "not found")]
    matcher = compiled.matcher()
    paths = [top] if top.is_file() else sorted(
        Path(d) / name for d, _, names in os.walk(top, followlinks=False) for name in names)
    for path in paths:
        try:
            st = path.lstat()
        except OSError as exc:
            problems.append(Problem(str(path), f"nicht lesbar ({exc.strerror})", f"unreadable ({exc.strerror})"))
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if st.st_size > max_size:
            problems.append(Problem(str(path), f"übersprungen: größer als {max_size >> 20} MB",
                                    f"skipped: larger than {max_size >> 20} MB"))
            continue
        try:
            digests = hash_file(path)
        except OSError as exc:
            problems.append(Problem(str(path), f"nicht lesbar ({exc.strerror})", f"unreadable ({exc.strerror})"))
            continue
        line = " ".join(digests).encode()
        when = datetime.fromtimestamp(st.st_mtime, UTC)
        for entry in {e for _, e in matcher.scan(line)}:
            for idx in compiled.resolve(entry):
                ind = compiled.indicators[idx]
                hits.append(Hit(str(path), 0, ind, when, "file", None, False, line.decode()))
    return hits, problems
