"""A caller-ID name as a form's 姓名 (``caller_id_name``): only a name that reads as one."""

from __future__ import annotations

import pytest

from hotline.customers.caller_id import caller_id_name


@pytest.mark.parametrize("raw", [None, "", "   ", "unknown", "<unknown>", "Anonymous", "WITHHELD", "<anonymous>",
                                 "13912345678", "+86 139-1234-5678", "(010) 8888 0000", "\x00\x07", "\u202e"])
def test_no_name_from_a_placeholder_a_number_or_nothing(raw: str | None) -> None:
    assert caller_id_name(raw, 255) is None


@pytest.mark.parametrize("raw, name", [
    ("王五", "王五"),
    ("  张 三 ", "张 三"),
    ("Li\r\nLei\x00\x1b[31m", "Li Lei [31m"),  # control characters are no part of a name
    ("\u202eevil\u200b", "evil"),  # nor a bidi override or a zero-width space (format characters)
    ('<script>alert("x")</script>', '<script>alert("x")</script>'),  # text: the page escapes it
    ("Room 101", "Room 101"),
])
def test_a_name_is_kept_cleaned(raw: str, name: str) -> None:
    assert caller_id_name(raw, 255) == name


def test_a_long_name_is_cut_to_the_field() -> None:
    assert caller_id_name("王" * 300, 255) == "王" * 255
    assert caller_id_name("ab" + " " * 10 + "cd", 3) == "ab"  # no trailing space left by the cut
