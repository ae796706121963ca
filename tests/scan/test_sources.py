"""Scan inputs: argument expansion, decompression, block cutting, line numbers, problems."""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import lzma
import os
import tracemalloc
from pathlib import Path

import pytest
import zstandard
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kommcert.scan import blocks as blocks_mod
from kommcert.scan.blocks import read_blocks
from kommcert.scan.sources import Block, Problem, Source, expand

STDIN = Source("-", None, None, None)


def log_lines(count: int, *, start: int = 0, crlf: bool = False) -> bytes:
    end = b"\r\n" if crlf else b"\n"
    return b"".join(
        b"2026-11-22T08:%02d:%02d+01:00 fw01.vg-musterstadt.example sshd[4711]: Failed password for admin "
        b"from 198.51.100.%d port %d ssh2" % ((i // 60) % 60, i % 60, i % 256, 40000 + i) + end
        for i in range(start, start + count)
    )


def source_for(path: Path) -> Source:
    st_ = path.stat()
    return Source(str(path), path, st_.st_size, st_.st_mtime)


def read_all(source: Source, **kwargs) -> tuple[list[Block], list[Problem]]:
    problems: list[Problem] = []
    blocks = list(read_blocks(source, problems=problems, **kwargs))
    return blocks, problems


def assert_consistent(blocks: list[Block]) -> None:
    """Blocks end at line boundaries and number their first line exactly."""
    line = 1
    for i, block in enumerate(blocks):
        assert block.data, "no empty blocks"
        assert block.first_line == line
        if i < len(blocks) - 1:
            assert block.data.endswith(b"\n")
        line += block.data.count(b"\n")


def zstd_frames(*parts: bytes, checksum: bool = False) -> bytes:
    compressor = zstandard.ZstdCompressor(write_checksum=checksum)
    return b"".join(compressor.compress(part) for part in parts)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------------------------ compressors


COMPRESSORS = {
    "plain": lambda data: data,
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
    "zstd": lambda data: zstd_frames(data),
}


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_every_format_is_read_by_magic_not_extension(tmp_path: Path, kind: str) -> None:
    data = log_lines(3000)
    path = write(tmp_path / "auth.log", COMPRESSORS[kind](data))  # the name never tells the format
    blocks, problems = read_all(source_for(path), block_size=16 << 10)
    assert problems == []
    assert b"".join(b.data for b in blocks) == data
    assert len(blocks) > 5
    assert_consistent(blocks)


def test_multi_member_gzip_is_read_whole(tmp_path: Path) -> None:
    first, second = log_lines(500), log_lines(700, start=500)
    path = write(tmp_path / "auth.log.1.gz", gzip.compress(first) + gzip.compress(second))
    blocks, problems = read_all(source_for(path), block_size=4096)
    assert problems == []
    assert b"".join(b.data for b in blocks) == first + second
    assert_consistent(blocks)
    assert sum(b.data.count(b"\n") for b in blocks) == 1200


def test_multi_stream_bzip2_and_xz(tmp_path: Path) -> None:
    first, second = log_lines(100), log_lines(100, start=100)
    for name, compress in (("a.bz2", bz2.compress), ("a.xz", lzma.compress)):
        path = write(tmp_path / name, compress(first) + compress(second))
        blocks, problems = read_all(source_for(path))
        assert problems == []
        assert b"".join(b.data for b in blocks) == first + second


def test_zstd_several_frames_with_checksum_and_skippable_frame(tmp_path: Path) -> None:
    first, second = log_lines(400), log_lines(400, start=400)
    skippable = b"\x5a\x2a\x4d\x18" + (5).to_bytes(4, "little") + b"note!"
    path = write(tmp_path / "auth.log.zst", zstd_frames(first, checksum=True) + skippable
                 + zstd_frames(second, checksum=True))
    blocks, problems = read_all(source_for(path), block_size=8192)
    assert problems == []
    assert b"".join(b.data for b in blocks) == first + second


def test_empty_inputs_give_nothing(tmp_path: Path) -> None:
    for name, data in (("empty.log", b""), ("empty.gz", gzip.compress(b"")), ("empty.zst", zstd_frames(b""))):
        path = write(tmp_path / name, data)
        assert read_all(source_for(path)) == ([], [])


# ------------------------------------------------------------------------------------------ damaged archives


@pytest.mark.parametrize(("kind", "label"), [("gzip", "gzip"), ("xz", "xz"), ("zstd", "zstd"), ("bzip2", "bzip2")])
def test_truncated_archive_yields_what_was_read_then_one_problem(tmp_path: Path, kind: str, label: str) -> None:
    data = os.urandom(300_000).hex().encode()  # incompressible text: the cut lands mid-stream
    data = b"\n".join(data[i:i + 100] for i in range(0, len(data), 100)) + b"\n"
    packed = bz2.compress(data, 1) if kind == "bzip2" else COMPRESSORS[kind](data)  # 100 kB bzip2 blocks
    path = write(tmp_path / "messages.1", packed[: len(packed) * 2 // 3])
    blocks, problems = read_all(source_for(path), block_size=32 << 10)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.source == str(path)
    assert f"beschädigte {label}-Datei (vorzeitiges Ende nach " in problem.de
    assert "Rest übersprungen" in problem.de
    assert f"damaged {label} file (unexpected end after " in problem.en
    got = b"".join(b.data for b in blocks)
    assert got, "the part before the cut is scanned"
    assert data.startswith(got)
    assert got.endswith(b"\n"), "the cut-off last line is dropped"
    assert_consistent(blocks)
    lines = got.count(b"\n")
    assert f"{lines:,} Zeilen gelesen".replace(",", ".") in problem.de


def test_corrupt_gzip_reports_data_error(tmp_path: Path) -> None:
    data = log_lines(2000)
    packed = bytearray(gzip.compress(data))
    packed[-6] ^= 0xFF  # inside the CRC/length trailer
    path = write(tmp_path / "auth.log.gz", bytes(packed))
    blocks, problems = read_all(source_for(path))
    assert len(problems) == 1
    assert "beschädigte gzip-Datei (Datenfehler nach " in problems[0].de
    assert "data error" in problems[0].en
    assert data.startswith(b"".join(b.data for b in blocks))


def test_zstd_with_garbage_after_last_frame_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "x.zst", zstd_frames(log_lines(10)) + b"this is not zstd")
    blocks, problems = read_all(source_for(path))
    assert len(problems) == 1
    assert "beschädigte zstd-Datei" in problems[0].de
    assert b"".join(b.data for b in blocks) == log_lines(10)


def test_plain_file_starting_like_gzip_is_reported_not_raised(tmp_path: Path) -> None:
    path = write(tmp_path / "odd.log", b"\x1f\x8bnot really gzip\n")
    blocks, problems = read_all(source_for(path))
    assert blocks == []
    assert len(problems) == 1
    assert problems[0].de.startswith("beschädigte gzip-Datei")


# ------------------------------------------------------------------------------------------------ binary


def test_binary_file_is_skipped_with_one_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "wtmp", b"\x07\x00\x00\x00" + os.urandom(20_000))
    blocks, problems = read_all(source_for(path), block_size=1024)
    assert blocks == []
    assert problems == [Problem(str(path), "Binärdatei übersprungen", "binary file skipped")]


def test_binary_test_looks_at_decompressed_data(tmp_path: Path) -> None:
    path = write(tmp_path / "image.gz", gzip.compress(b"GIF89a\x00\x01" + bytes(5000)))
    blocks, problems = read_all(source_for(path))
    assert blocks == []
    assert [p.en for p in problems] == ["binary file skipped"]


def test_nul_after_the_first_8_kib_is_not_binary(tmp_path: Path) -> None:
    data = log_lines(200) + b"odd \x00 byte\n"
    assert len(data) > 8192 + 20
    path = write(tmp_path / "app.log", data)
    blocks, problems = read_all(source_for(path), block_size=512)
    assert problems == []
    assert b"".join(b.data for b in blocks) == data


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read_as_utf8_lines(tmp_path: Path, encoding: str) -> None:
    # PowerShell's Out-File writes UTF-16 with a BOM; its NUL bytes must not make it "binary".
    text = "Zeile 1 evil.example\r\nZeile 2 Grüße 198.51.100.7\r\n" + "x" * 5000 + "\r\nletzte Zeile\r\n"
    bom = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
    path = write(tmp_path / "export.log", bom + text.encode(encoding))
    blocks, problems = read_all(source_for(path), block_size=333)  # odd sizes split code units
    assert problems == []
    assert b"".join(b.data for b in blocks) == text.encode("utf-8")
    assert blocks[0].first_line == 1


def test_gzipped_utf16_is_decompressed_then_decoded(tmp_path: Path) -> None:
    text = "a 203.0.113.9\nb\n"
    path = write(tmp_path / "export.log.gz", gzip.compress(b"\xff\xfe" + text.encode("utf-16-le")))
    blocks, problems = read_all(source_for(path))
    assert (b"".join(b.data for b in blocks), problems) == (text.encode(), [])


def test_utf16_files_are_not_split_into_byte_ranges(tmp_path: Path) -> None:
    from kommcert.scan import runner

    plain = write(tmp_path / "plain.log", b"line\n" * 10)
    wide = write(tmp_path / "wide.log", b"\xff\xfe" + "line\n".encode("utf-16-le") * 10)
    assert runner._is_plain(source_for(plain)) and not runner._is_plain(source_for(wide))


# ------------------------------------------------------------------------------------------------ lines


def test_crlf_lines_keep_their_bytes_and_numbers(tmp_path: Path) -> None:
    data = log_lines(1000, crlf=True)
    path = write(tmp_path / "iis.log", data)
    blocks, problems = read_all(source_for(path), block_size=1000)
    assert problems == []
    assert b"".join(b.data for b in blocks) == data
    assert_consistent(blocks)
    for block in blocks:
        assert block.data.endswith(b"\r\n")
        first = block.data.split(b"\r\n", 1)[0]
        assert first == log_lines(1, start=block.first_line - 1).rstrip(b"\r\n")


def test_missing_final_newline(tmp_path: Path) -> None:
    data = log_lines(50) + b"last line without newline from 203.0.113.9"
    path = write(tmp_path / "app.log", data)
    blocks, problems = read_all(source_for(path), block_size=700)
    assert problems == []
    assert b"".join(b.data for b in blocks) == data
    assert_consistent(blocks)
    last = blocks[-1]
    assert last.data.endswith(b"203.0.113.9")
    assert last.first_line + last.data.count(b"\n") == 51


def test_block_boundaries_never_split_lines(tmp_path: Path) -> None:
    data = log_lines(5000)
    path = write(tmp_path / "auth.log", data)
    blocks, problems = read_all(source_for(path), block_size=4096, max_line=1 << 20)
    assert problems == []
    assert b"".join(b.data for b in blocks) == data
    assert len(blocks) > 100
    assert_consistent(blocks)
    for block in blocks:
        assert len(block.data) <= 2 * 4096
        line = block.data.split(b"\n", 1)[0] + b"\n"
        assert line == log_lines(1, start=block.first_line - 1)


def test_long_line_is_truncated_and_numbering_stays_right(tmp_path: Path) -> None:
    long1 = b"A" * 5000
    long2 = b"B" * 3000
    data = log_lines(10) + long1 + b"\n" + log_lines(10, start=10) + long2 + b"\n" + log_lines(5, start=20)
    path = write(tmp_path / "app.log", data)
    blocks, problems = read_all(source_for(path), block_size=256, max_line=1000)
    assert_consistent(blocks)
    text = b"".join(b.data for b in blocks)
    lines = text.split(b"\n")
    assert lines[10] == b"A" * 1000
    assert lines[21] == b"B" * 1000
    assert lines[22] + b"\n" == log_lines(1, start=20)
    assert text.count(b"\n") == 27
    assert len(problems) == 1, "one problem per file, naming the first long line"
    assert problems[0].de.startswith("Zeile 11 ist länger als 1.000 Bytes")
    assert problems[0].en.startswith("line 11 is longer than 1,000 bytes")


def test_huge_single_line_is_not_held_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "oneline.log"
    piece = b"x" * (1 << 20)
    with path.open("wb") as f:
        for _ in range(30):  # a 30 MB line ...
            f.write(piece)
        f.write(b"\nafter 192.0.2.77\n")  # ... followed by a normal one
    tracemalloc.start()
    try:
        blocks, problems = read_all(source_for(path), block_size=256 << 10, max_line=4096)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20
    assert sum(len(b.data) for b in blocks) == 4096 + 1 + len(b"after 192.0.2.77\n")
    assert b"".join(b.data for b in blocks).split(b"\n")[1] == b"after 192.0.2.77"
    assert_consistent(blocks)
    assert len(problems) == 1 and problems[0].de.startswith("Zeile 1 ist länger")


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400).map(lambda b: b.replace(b"\x00", b"\n")),
       block_size=st.integers(1, 64), max_line=st.integers(1, 40))
def test_blocks_match_a_simple_reference(data: bytes, block_size: int, max_line: int) -> None:
    assume(blocks_mod.compression(data[:6]) is None and not blocks_mod.is_utf16(data))  # plain bytes only
    lines = data.split(b"\n")
    expected = b"\n".join(line[:max_line] for line in lines)
    first_long = next((i + 1 for i, line in enumerate(lines) if len(line) > max_line), None)
    blocks, problems = read_all(STDIN, block_size=block_size, max_line=max_line, stdin=io.BytesIO(data))
    assert b"".join(b.data for b in blocks) == expected
    assert_consistent(blocks)
    if first_long is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert problems[0].en.startswith(f"line {first_long:,} is longer")


# ------------------------------------------------------------------------------------------------ stdin


def test_stdin_plain() -> None:
    data = log_lines(300)
    blocks, problems = read_all(STDIN, block_size=2048, stdin=io.BytesIO(data))
    assert problems == []
    assert b"".join(b.data for b in blocks) == data
    assert_consistent(blocks)


def test_stdin_gzip_is_decompressed() -> None:
    data = log_lines(300, crlf=True)
    blocks, problems = read_all(STDIN, stdin=io.BytesIO(gzip.compress(data)))
    assert problems == []
    assert b"".join(b.data for b in blocks) == data


class TrickleStream(io.RawIOBase):
    """A pipe that delivers at most 3 bytes per read."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001
        chunk = self._data.read(min(3, len(buffer)))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_stdin_short_reads_still_detect_compression() -> None:
    data = log_lines(40)
    blocks, problems = read_all(STDIN, block_size=1024, stdin=TrickleStream(zstd_frames(data)))
    assert problems == []
    assert b"".join(b.data for b in blocks) == data


def test_truncated_gzip_on_stdin_names_stdin() -> None:
    packed = gzip.compress(os.urandom(50_000).hex().encode() + b"\n")
    _, problems = read_all(STDIN, stdin=io.BytesIO(packed[:-100]))
    assert len(problems) == 1 and problems[0].source == "-"


# ------------------------------------------------------------------------------------------------ I/O errors


def test_vanished_file(tmp_path: Path) -> None:
    path = write(tmp_path / "rotated.log", b"x\n")
    source = source_for(path)
    path.unlink()
    blocks, problems = read_all(source)
    assert blocks == []
    assert problems == [Problem(str(path), "Datei nicht lesbar: nicht (mehr) vorhanden",
                                "cannot read file: does not exist (any more)")]


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "secure", b"x\n")

    def deny(_path: Path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(blocks_mod, "_open_regular", deny)
    blocks, problems = read_all(source_for(path))
    assert blocks == []
    assert [p.de for p in problems] == ["Datei nicht lesbar: keine Berechtigung"]
    assert [p.en for p in problems] == ["cannot read file: permission denied"]


def test_read_error_midway_keeps_what_was_read() -> None:
    data = log_lines(100)

    class Failing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() >= 4000:
                raise OSError(errno.EIO, "Input/output error")
            return super().read(size)

    blocks, problems = read_all(STDIN, block_size=1000, stdin=Failing(data))
    got = b"".join(b.data for b in blocks)
    assert got and data.startswith(got) and got.endswith(b"\n")
    assert len(problems) == 1
    assert problems[0].de.startswith("Lesefehler (Systemfehler: Input/output error) nach ")
    assert problems[0].en.endswith("rest skipped")


def test_fifo_in_place_of_a_file_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    blocks, problems = read_all(Source(str(path), path, 0, 0.0))
    assert blocks == []
    assert [p.en for p in problems] == ["not a regular file (FIFO), skipped"]


# ------------------------------------------------------------------------------------------------ expand


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """logs/ of vg-musterstadt, with a FIFO, a symlink loop, a hidden file, a symlinked file."""
    root = tmp_path / "logs"
    write(root / "auth.log", b"a\n")
    write(root / "auth.log.1.gz", gzip.compress(b"b\n"))
    write(root / "web" / "access.log", b"c\n")
    write(root / "web" / "old" / "access.log.2.zst", zstd_frames(b"d\n"))
    write(root / "web" / "old" / "deep" / "error.log", b"e\n")
    write(root / ".hidden.log", b"h\n")
    os.mkfifo(root / "web" / "fifo.log")
    os.symlink(root, root / "web" / "loop")  # a directory loop
    os.symlink(root / "auth.log", root / "current")  # same file again
    monkeypatch.chdir(tmp_path)
    return root


def displays(sources_: list[Source]) -> list[str]:
    return [s.display for s in sources_]


def test_directory_recursion_sorted_skips_fifo_and_loops(tree: Path) -> None:
    found, problems = expand(["logs"])
    assert problems == []
    assert displays(found) == [
        "logs/.hidden.log",
        "logs/auth.log",
        "logs/auth.log.1.gz",
        "logs/web/access.log",
        "logs/web/old/access.log.2.zst",
        "logs/web/old/deep/error.log",
    ]
    first = found[1]
    assert first.path == Path("logs/auth.log")
    assert first.size == 2
    assert first.mtime == (tree / "auth.log").stat().st_mtime


def test_glob_with_double_star(tree: Path) -> None:
    found, problems = expand(["logs/**/*.log"])
    assert problems == []
    assert displays(found) == ["logs/auth.log", "logs/web/access.log", "logs/web/old/deep/error.log"]
    found, _ = expand([str(tree) + "/**/access.log*"])
    assert displays(found) == [str(tree / "web/access.log"), str(tree / "web/old/access.log.2.zst")]


def test_glob_question_mark_and_brackets(tree: Path) -> None:
    found, problems = expand(["logs/auth.lo?", "logs/web/[a]ccess.log"])
    assert problems == []
    assert displays(found) == ["logs/auth.log", "logs/web/access.log"]


def test_glob_matching_a_directory_scans_it(tree: Path) -> None:
    found, problems = expand(["logs/w*"])
    assert problems == []
    assert displays(found) == ["logs/web/access.log", "logs/web/old/access.log.2.zst",
                               "logs/web/old/deep/error.log"]


def test_missing_path_and_empty_glob_are_problems(tree: Path) -> None:
    found, problems = expand(["logs/nope.log", "logs/*.evtx", "logs/auth.log"])
    assert displays(found) == ["logs/auth.log"]
    assert problems == [
        Problem("logs/nope.log", "Datei oder Verzeichnis nicht gefunden", "no such file or directory"),
        Problem("logs/*.evtx", "Muster passt auf keine Datei", "pattern matches no file"),
    ]


def test_explicit_special_file_is_a_problem(tree: Path) -> None:
    found, problems = expand(["logs/web/fifo.log"])
    assert found == []
    assert problems == [Problem("logs/web/fifo.log", "keine reguläre Datei (FIFO), übersprungen",
                                "not a regular file (FIFO), skipped")]


def test_duplicates_are_scanned_once(tree: Path) -> None:
    found, problems = expand(["logs/auth.log", "logs/current", "./logs/auth.log", "logs", "logs/*", "-", "-"])
    assert problems == []
    names = displays(found)
    assert names.count("-") == 1
    assert len(names) == len(set(names)) == 7
    assert names[0] == "logs/auth.log"
    assert "logs/current" not in names
    assert [s for s in found if s.display == "-"] == [Source("-", None, None, None)]


def test_symlinked_file_inside_directory_is_followed(tmp_path: Path) -> None:
    write(tmp_path / "elsewhere" / "app.log", b"x\n")
    (tmp_path / "logs").mkdir()
    os.symlink(tmp_path / "elsewhere" / "app.log", tmp_path / "logs" / "app.log")
    os.symlink(tmp_path / "elsewhere", tmp_path / "logs" / "linked-dir")  # not followed
    found, problems = expand([str(tmp_path / "logs")])
    assert problems == []
    assert displays(found) == [str(tmp_path / "logs" / "app.log")]


def test_literal_name_with_glob_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "auth[1].log", b"x\n")
    monkeypatch.chdir(tmp_path)
    found, problems = expand(["auth[1].log"])
    assert problems == []
    assert displays(found) == ["auth[1].log"]


def test_max_file_size(tree: Path) -> None:
    write(tree / "big.log", b"y" * 5000)
    found, problems = expand(["logs"], max_file_size=4000)
    assert "logs/big.log" not in displays(found)
    assert "logs/auth.log" in displays(found)
    assert problems == [Problem("logs/big.log", "Datei zu groß (5,0 kB, Grenze 4,0 kB), übersprungen",
                                "file too large (5.0 kB, limit 4.0 kB), skipped")]


def test_expanded_sources_read_end_to_end(tree: Path) -> None:
    found, problems = expand(["logs"])
    texts = []
    for source in found:
        blocks, read_problems = read_all(source)
        problems += read_problems
        texts.append(b"".join(b.data for b in blocks))
    assert problems == []
    assert texts == [b"h\n", b"a\n", b"b\n", b"c\n", b"d\n", b"e\n"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_zstd_frame_walker_passes_exactly_the_frames(chunk: int) -> None:
    skippable = b"\x50\x2a\x4d\x18" + (2).to_bytes(4, "little") + b"ok"
    good = zstd_frames(b"first\n", checksum=True) + skippable + zstd_frames(b"second\n" * 50)
    for tail, complete in ((b"", True), (b"\x28\xb5", False), (b"garbage", False)):
        stream = good + tail
        walker = blocks_mod._ZstdFrames()
        passed = b"".join(walker.feed(stream[i:i + chunk]) for i in range(0, len(stream), chunk))
        assert passed == good
        assert walker.complete is complete
        assert walker.invalid is (tail == b"garbage")
    walker = blocks_mod._ZstdFrames()
    cut = good[:-3]
    assert b"".join(walker.feed(cut[i:i + chunk]) for i in range(0, len(cut), chunk)) == cut
    assert not walker.complete and not walker.invalid
