"""Scan inputs: command-line arguments to sources (:mod:`kommcert.scan.blocks` reads them).

``expand`` turns files, directories, globs and ``-`` (standard input) into a de-duplicated list of sources.
Nothing here raises on bad input: every trouble becomes a ``Problem`` (German and English).
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

STDIN = "-"
_GLOB_MAGIC = re.compile(r"[*?[]")


@dataclass(frozen=True)
class Problem:
    source: str  # the path as the user would recognise it, or "-" for stdin
    de: str
    en: str


@dataclass(frozen=True)
class Source:
    display: str  # path as given/found (relative if given relative), "-" for stdin
    path: Path | None  # None for stdin
    size: int | None  # bytes on disk (compressed size), None for stdin
    mtime: float | None


@dataclass
class Block:
    data: bytes  # whole lines, each ending in b"\n" (the last line of the input may lack it)
    first_line: int  # 1-based line number of the first line in data


# --------------------------------------------------------------------------------------------------------
# Message helpers (also for kommcert.scan.blocks)


def int_de(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def int_en(n: int) -> str:
    return f"{n:,}"


def size_texts(n: int) -> tuple[str, str]:
    """Human-readable size (decimal units), German and English."""
    if n < 1000:
        return f"{n} Bytes", f"{n} bytes"
    for unit, factor in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12)):
        if n < factor * 1000 or unit == "TB":
            value = f"{n / factor:.1f}"
            return f"{value.replace('.', ',')} {unit}", f"{value} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def os_error_texts(exc: OSError) -> tuple[str, str]:
    """Short reason for an OS error, German and English."""
    if isinstance(exc, FileNotFoundError):
        return "nicht (mehr) vorhanden", "does not exist (any more)"
    if isinstance(exc, PermissionError):
        return "keine Berechtigung", "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "ist ein Verzeichnis", "is a directory"
    if exc.errno == errno.ELOOP:
        return "zu viele Ebenen symbolischer Links", "too many levels of symbolic links"
    reason = exc.strerror or type(exc).__name__
    return f"Systemfehler: {reason}", f"system error: {reason}"


def _special_kind(mode: int) -> tuple[str, str]:
    if stat.S_ISFIFO(mode):
        return "FIFO", "FIFO"
    if stat.S_ISSOCK(mode):
        return "Socket", "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "Gerätedatei", "device file"
    return "Sonderdatei", "special file"


def not_regular(source: str, mode: int) -> Problem:
    kind_de, kind_en = _special_kind(mode)
    return Problem(source, f"keine reguläre Datei ({kind_de}), übersprungen",
                   f"not a regular file ({kind_en}), skipped")


# --------------------------------------------------------------------------------------------------------
# expand: arguments -> sources


def expand(args: Sequence[str], *, max_file_size: int | None = None) -> tuple[list[Source], list[Problem]]:
    """Files, directories (recursive, sorted, no following of symlinked dirs into loops), globs (`*`, `?`, `**`),
    and "-" for stdin. Non-existent path or a glob matching nothing → Problem. Special files (FIFOs, sockets,
    devices) found inside directories are skipped silently; named explicitly → Problem. Duplicates (same real
    path reached twice) are scanned once. Files over max_file_size (if given) → Problem, skipped.

    An argument that exists as a path is taken literally even if it contains glob characters. Inside
    directories and for ``**``, symbolic links to directories are not followed (as ``grep -r`` and bash's
    globstar do); symbolic links to files are followed. Globs skip hidden names unless the pattern part starts
    with a dot; directory recursion includes them.
    """
    expander = _Expander(max_file_size)
    for arg in args:
        expander.add_argument(arg)
    return expander.sources, expander.problems


class _Expander:
    def __init__(self, max_file_size: int | None) -> None:
        self.max_file_size = max_file_size
        self.sources: list[Source] = []
        self.problems: list[Problem] = []
        self._seen_files: set[tuple[int, int]] = set()
        self._seen_dirs: set[tuple[int, int]] = set()
        self._reported_dirs: set[str] = set()
        self._stdin_taken = False

    def add_argument(self, arg: str) -> None:
        if arg == STDIN:
            if not self._stdin_taken:
                self._stdin_taken = True
                self.sources.append(Source(STDIN, None, None, None))
            return
        if arg and os.path.lexists(arg):
            self._add_path(arg, explicit=True)
        elif arg and _GLOB_MAGIC.search(arg):
            matches = self._glob(arg)
            if not matches:
                self.problems.append(Problem(arg, "Muster passt auf keine Datei", "pattern matches no file"))
            for match in matches:
                self._add_path(match, explicit=False)
        else:
            self.problems.append(Problem(arg, "Datei oder Verzeichnis nicht gefunden", "no such file or directory"))

    # -- single paths ---------------------------------------------------------------------------------------

    def _add_path(self, display: str, *, explicit: bool) -> None:
        try:
            st = os.stat(display)
        except FileNotFoundError:
            if explicit:  # lexists() said yes, so this is a dangling symbolic link
                self.problems.append(Problem(display, "symbolischer Link ohne Ziel", "dangling symbolic link"))
            return
        except OSError as exc:
            de, en = os_error_texts(exc)
            self.problems.append(Problem(display, f"nicht lesbar: {de}", f"cannot access: {en}"))
            return
        if stat.S_ISDIR(st.st_mode):
            self._walk(display, st)
        elif stat.S_ISREG(st.st_mode):
            self._add_file(display, st)
        elif explicit:
            self.problems.append(not_regular(display, st.st_mode))

    def _add_file(self, display: str, st: os.stat_result) -> None:
        key = (st.st_dev, st.st_ino)
        if key in self._seen_files:
            return
        self._seen_files.add(key)
        if self.max_file_size is not None and st.st_size > self.max_file_size:
            size_de, size_en = size_texts(st.st_size)
            max_de, max_en = size_texts(self.max_file_size)
            self.problems.append(Problem(display, f"Datei zu groß ({size_de}, Grenze {max_de}), übersprungen",
                                         f"file too large ({size_en}, limit {max_en}), skipped"))
            return
        self.sources.append(Source(display, Path(display), st.st_size, st.st_mtime))

    # -- directories ----------------------------------------------------------------------------------------

    def _list_dir(self, path: str) -> list[os.DirEntry[str]] | None:
        try:
            with os.scandir(path) as it:
                return sorted(it, key=lambda entry: entry.name)
        except OSError as exc:
            if path not in self._reported_dirs:
                self._reported_dirs.add(path)
                de, en = os_error_texts(exc)
                self.problems.append(Problem(path or ".", f"Verzeichnis nicht lesbar ({de}), übersprungen",
                                             f"cannot read directory ({en}), skipped"))
            return None

    def _walk(self, top: str, top_st: os.stat_result) -> None:
        """Depth-first, sorted by name, iterative (deep trees cannot overflow the stack)."""
        key = (top_st.st_dev, top_st.st_ino)
        if key in self._seen_dirs:
            return
        self._seen_dirs.add(key)
        entries = self._list_dir(top)
        if entries is None:
            return
        stack: list[Iterator[os.DirEntry[str]]] = [iter(entries)]
        while stack:
            entry = next(stack[-1], None)
            if entry is None:
                stack.pop()
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    key = (st.st_dev, st.st_ino)
                    if key not in self._seen_dirs:
                        self._seen_dirs.add(key)
                        sub = self._list_dir(entry.path)
                        if sub:
                            stack.append(iter(sub))
                elif entry.is_symlink():
                    st = entry.stat()  # follows; symlinked directories and special files are skipped
                    if stat.S_ISREG(st.st_mode):
                        self._add_file(entry.path, st)
                elif entry.is_file(follow_symlinks=False):
                    self._add_file(entry.path, entry.stat(follow_symlinks=False))
                # anything else is a special file: skipped silently
            except OSError:
                continue  # vanished while walking, or a dangling link: nothing to scan

    # -- globs ----------------------------------------------------------------------------------------------

    def _glob(self, pattern: str) -> list[str]:
        drive, rest = os.path.splitdrive(pattern)
        if os.sep != "/":  # pragma: no cover - Windows
            rest = rest.replace(os.sep, "/")
        root = drive + "/" if rest.startswith("/") else drive
        parts = [part for part in rest.split("/") if part]
        dirs_only = rest.endswith("/")
        results = [root]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            found: list[str] = []
            if part == "**":
                for base in results:
                    found.extend(self._glob_dirs(base))
            elif _GLOB_MAGIC.search(part):
                for base in results:
                    entries = self._list_dir(base or ".")
                    if entries is None:
                        continue
                    names = [e.name for e in entries if part.startswith(".") or not e.name.startswith(".")]
                    for name in fnmatch.filter(names, part):
                        path = _join(base, name)
                        if (last and not dirs_only) or os.path.isdir(path):
                            found.append(path)
            else:
                for base in results:
                    path = _join(base, part)
                    if os.path.isdir(path) if (not last or dirs_only) else os.path.lexists(path):
                        found.append(path)
            results = list(dict.fromkeys(found))
            if not results:
                return []
        return sorted(path or "." for path in results)

    def _glob_dirs(self, base: str) -> Iterator[str]:
        """``base`` and every directory below it; no hidden ones, no symlinked ones, each reached once."""
        seen: set[tuple[int, int]] = set()
        stack = [base]
        while stack:
            current = stack.pop()
            yield current
            entries = self._list_dir(current or ".")
            if entries is None:
                continue
            subdirs = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    if not entry.is_dir(follow_symlinks=False):
                        continue
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    subdirs.append(_join(current, entry.name))
            stack.extend(reversed(subdirs))


def _join(base: str, name: str) -> str:
    if not base:
        return name
    return base + name if base.endswith(("/", os.sep)) else base + "/" + name
