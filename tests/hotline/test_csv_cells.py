"""hotline.csv_cells, the one writer of the hotline's CSV: formula-like text quoted, numbers left
alone, the quote taken off again on import."""

from __future__ import annotations

import csv
import io

import pytest

from hotline.csv_cells import csv_text, read_cell, safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+8613800000000", "-2", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_starts_are_quoted_and_read_back(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert read_cell(safe_cell(text)) == text


@pytest.mark.parametrize("value,written", [(None, ""), (-3, -3), (2.5, 2.5), ("王五", "王五"), ("'x", "'x"),
                                           ("a=b", "a=b"), (True, "True")])
def test_other_cells(value: object, written: object) -> None:
    assert safe_cell(value) == written
    if isinstance(written, str):
        assert read_cell(written) == written  # a ' before plain text is the author's own


def test_csv_text_has_a_bom_and_crlf_and_quotes_every_text_cell() -> None:
    text = csv_text(["number", "name", "n"], [["+8613800000000", "=cmd|' /C calc'!A0", -1]])
    assert text.startswith("\ufeffnumber,name,n\r\n")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[1] == ["'+8613800000000", "'=cmd|' /C calc'!A0", "-1"]
