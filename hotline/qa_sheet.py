"""The quality inspector's score sheet (质检评分表, R-QA): its items, weights, veto items and score
bands are configuration (hotline/qa_sheet.toml, or the file named by setting qa_sheet_path), and
:meth:`Sheet.score` is the one computation of a grade's score — the panel's form, the saved grade
and the tests all call it. A grade stores its score, so averages, bands and filters read the
``score`` column: a grade typed before the sheet existed counts with the score it was given."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_

from hotline.errors import N_, DomainError
from hotline.settings import Settings

DEFAULT_PATH = Path(__file__).resolve().parent / "qa_sheet.toml"
FULL_MARKS = 100


class SheetError(DomainError):
    """A score sheet file the rules refuse (weights not adding up to 100, a repeated key, …)."""


@dataclass(frozen=True)
class Item:
    key: str  # stored in every grade's checklist: keep stable
    zh: str
    en: str
    weight: int  # points deducted when the item is not met; 0 for a veto item
    veto: bool  # 一票否决: not met → the score is 0
    rule: str  # the service rule id the item checks

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Band:
    key: str
    low: int  # from this score (inclusive) …
    high: int | None  # … up to this one (exclusive); None: to full marks
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def holds(self, column: Any) -> ColumnElement[bool]:
        """The SQL condition "the score in ``column`` is in this band"."""
        return column >= self.low if self.high is None else and_(column >= self.low, column < self.high)


@dataclass(frozen=True)
class Sheet:
    items: tuple[Item, ...]
    bands: tuple[Band, ...]

    def score(self, met: Mapping[str, Any]) -> int:
        """R-QA: the sum of the weights of the items met, 0 when a veto item is not met. An item
        missing from ``met`` is not met."""
        if any(i.veto and not met.get(i.key) for i in self.items):
            return 0
        return sum(i.weight for i in self.items if met.get(i.key))

    def deducted(self, met: Mapping[str, Any]) -> list[Item]:
        return [i for i in self.items if not met.get(i.key)]

    def weights(self) -> dict[str, int | str]:
        """What a grade keeps of the sheet it was scored with: key → weight, or "veto"."""
        return {i.key: "veto" if i.veto else i.weight for i in self.items}

    def band_of(self, score: float) -> Band:
        return next(b for b in reversed(self.bands) if score >= b.low)

    def failing(self, score: float) -> bool:
        """In the lowest band (不合格): a call to go over with the agent."""
        return self.band_of(score) == self.bands[0]

    def band(self, key: str) -> Band | None:
        return next((b for b in self.bands if b.key == key), None)

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)


def path_of(s: Settings) -> Path:
    return Path(s.qa_sheet_path) if s.qa_sheet_path else DEFAULT_PATH


def parse(data: Mapping[str, Any]) -> Sheet:
    """A sheet from the TOML's tables; SheetError says what is wrong."""
    items: list[Item] = []
    for node in data.get("items") or []:
        key = str(node.get("key") or "")
        veto = bool(node.get("veto", False))
        weight = int(node.get("weight", 0))
        if not key or any(i.key == key for i in items):
            raise SheetError(N_("QA sheet: item key %(key)r is empty or repeated"), key=key)
        if weight < 0 or (veto and weight):
            raise SheetError(N_("QA sheet: item %(key)r: a weight is ≥ 0 and a veto item has none"), key=key)
        items.append(Item(key, str(node.get("zh", key)), str(node.get("en", key)), weight, veto,
                          str(node.get("rule", "R-QA"))))
    total = sum(i.weight for i in items)
    if total != FULL_MARKS:
        raise SheetError(N_("QA sheet: the weights add up to %(total)s, not 100"), total=total)
    lows = [int(b.get("from", -1)) for b in data.get("bands") or []]
    if not lows or lows[0] != 0 or lows != sorted(set(lows)) or lows[-1] > FULL_MARKS:
        raise SheetError(N_("QA sheet: bands start at 0 and rise, up to 100"))
    bands = tuple(Band(str(b.get("key")), lo, hi, str(b.get("zh", b.get("key"))), str(b.get("en", b.get("key"))))
                  for b, lo, hi in zip(data["bands"], lows, [*lows[1:], None], strict=True))
    return Sheet(tuple(items), bands)


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> Sheet:
    try:
        return parse(tomllib.loads(path.read_text(encoding="utf-8")))
    except SheetError:
        raise
    except (OSError, tomllib.TOMLDecodeError, TypeError, ValueError) as exc:
        raise SheetError(N_("QA sheet %(path)s: %(why)s"), path=path, why=str(exc)) from exc


def sheet(s: Settings) -> Sheet:
    """The configured sheet (the file read again when it changes)."""
    path = path_of(s)
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise SheetError(N_("QA sheet %(path)s: %(why)s"), path=path, why=str(exc)) from exc
    return _load(path, mtime)
