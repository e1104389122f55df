"""bench/heap_growth.py: per service process, the snapshot at the end of the first quarter against the
last one — the sites that grew, the traced total, the RSS, glibc and pymalloc figures."""

from __future__ import annotations

import json
import re
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import heap_growth
from hotline.memory_facts import process_facts


class Leaky:
    def __init__(self) -> None:
        self.data = bytearray(500)


@pytest.fixture
def tracing() -> Iterator[None]:
    was = tracemalloc.is_tracing()
    if not was:
        tracemalloc.start(5)
    yield
    if not was:
        tracemalloc.stop()


def _snap(where: Path, name: str, at: float) -> None:
    tracemalloc.take_snapshot().dump(str(where / f"{name}.snap"))
    (where / f"{name}.json").write_text(json.dumps({**process_facts(), "at": at}))


@pytest.mark.usefixtures("tracing")
def test_what_grew_after_the_first_quarter_is_named_by_its_line(tmp_path: Path) -> None:
    kept: list[Leaky] = []
    _snap(tmp_path, "ivr-7-0", 0)
    kept += [Leaky() for _ in range(1000)]  # the warm-up: before the quarter's snapshot, not counted
    _snap(tmp_path, "ivr-7-1", 60)
    for n in (2, 3, 4):
        _snap(tmp_path, f"ivr-7-{n}", 60 * n)
    kept += [Leaky() for _ in range(3000)]  # the growth
    _snap(tmp_path, "ivr-7-10", 600)  # numbers, not names, order the snapshots
    (tmp_path / "panel-8-0.snap").write_bytes((tmp_path / "ivr-7-0.snap").read_bytes())

    text = heap_growth.report(tmp_path)

    ivr = text.split("ivr (pid 7): ", 1)[1].split("\n\n", 1)[0]
    assert ivr.startswith("snapshots ivr-7-1.snap → ivr-7-10.snap (9.0 min apart)"), ivr
    where = f"tests/bench/test_heap_growth.py:{Leaky.__init__.__code__.co_firstlineno + 1} "
    line = next((ln for ln in ivr.splitlines() if ln.endswith(where.strip())), ivr)
    plus_kb, plus_blocks = float(line.split()[0]), int(line.split()[1])
    assert 1500 < plus_kb < 2500 and plus_blocks >= 3000, line  # 3000 × 500 B, not the warm-up's 1000
    blocks = next(ln for ln in ivr.splitlines() if "Python's allocated blocks" in ln)
    # the whole process's count: other tests' garbage freed meanwhile may outweigh the growth, so
    # only its form is checked here (the traced growth above is the test)
    assert re.fullmatch(r"\s*Python's allocated blocks \d+ → \d+ \([+-]?\d+\)", blocks), blocks
    assert "glibc malloc: arenas" in ivr and "RSS" in ivr
    assert re.search(r"\n\s*SQLite's heap \d+\.\d → \d+\.\d MB", ivr), ivr  # outside tracemalloc's sight
    assert "panel (pid 8): 1 snapshot(s), 2 needed" in text
    assert len(kept) == 4000


def test_an_empty_directory_says_so(tmp_path: Path) -> None:
    assert heap_growth.report(tmp_path) == f"no heap snapshots in {tmp_path}"
