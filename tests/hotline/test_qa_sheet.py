"""The QA score sheet (R-QA): the score is the sum of the items met, a veto item zeroes it, the
bands cover 0–100; a sheet file the rules refuse says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline import qa_sheet
from hotline.settings import Settings

SHEET = {"items": [{"key": "greeting", "weight": 30}, {"key": "polite", "weight": 70},
                   {"key": "privacy", "veto": True}],
         "bands": [{"key": "fail", "from": 0}, {"key": "pass", "from": 60}, {"key": "top", "from": 90}]}


def test_the_score_is_the_sum_of_the_items_met_and_a_veto_zeroes_it() -> None:
    s = qa_sheet.parse(SHEET)
    assert s.score({"greeting": True, "polite": True, "privacy": True}) == 100
    assert s.score({"polite": True, "privacy": True}) == 70  # an item not ticked is not met
    assert s.score({"greeting": True, "polite": True, "privacy": False}) == 0
    assert [i.key for i in s.deducted({"polite": True})] == ["greeting", "privacy"]
    assert s.weights() == {"greeting": 30, "polite": 70, "privacy": "veto"}


def test_bands_cover_every_score() -> None:
    s = qa_sheet.parse(SHEET)
    assert [s.band_of(x).key for x in (0, 59, 59.9, 60, 89, 90, 100)] == ["fail", "fail", "fail", "pass", "pass",
                                                                         "top", "top"]
    assert s.failing(59.5) and not s.failing(60)
    assert [(b.low, b.high) for b in s.bands] == [(0, 60), (60, 90), (90, None)]


@pytest.mark.parametrize("bad", [
    {**SHEET, "items": [{"key": "a", "weight": 60}, {"key": "b", "weight": 30}]},  # 90, not 100
    {**SHEET, "items": [{"key": "a", "weight": 50}, {"key": "a", "weight": 50}]},  # a repeated key
    {**SHEET, "items": [{"key": "a", "weight": 100}, {"key": "v", "veto": True, "weight": 5}]},  # a weighted veto
    {**SHEET, "bands": [{"key": "x", "from": 10}]},  # not from 0
    {**SHEET, "bands": [{"key": "x", "from": 0}, {"key": "y", "from": 70}, {"key": "z", "from": 60}]},
])
def test_a_sheet_the_rules_refuse(bad: dict[str, object]) -> None:
    with pytest.raises(qa_sheet.SheetError):
        qa_sheet.parse(bad)


def test_the_default_sheet_and_a_site_file(tmp_path: Path) -> None:
    default = qa_sheet.sheet(Settings())
    assert sum(i.weight for i in default.items) == 100
    assert {i.key for i in default.items if i.veto} == {"no_quarrel", "privacy"}
    assert [b.low for b in default.bands] == [0, 60, 80, 90]
    own = tmp_path / "sheet.toml"
    own.write_text('[[items]]\nkey = "only"\nweight = 100\n[[bands]]\nkey = "all"\nfrom = 0\n', encoding="utf-8")
    assert [i.key for i in qa_sheet.sheet(Settings(qa_sheet_path=str(own))).items] == ["only"]
    own.write_text('[[items]]\nkey = "only"\nweight = 99\n', encoding="utf-8")
    with pytest.raises(qa_sheet.SheetError, match="99"):
        qa_sheet.sheet(Settings(qa_sheet_path=str(own)))
