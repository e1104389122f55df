"""Customer numbers: one normal form (E.164, +86 aware) so a caller's abandons, later calls and
callbacks all meet on the same task, and the digits Asterisk dials to reach them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import phonenumbers

# what Asterisk and carriers put in the caller id when the caller hides it
WITHHELD = {"", "anonymous", "unknown", "<unknown>", "withheld", "restricted", "private", "unavailable"}


@dataclass(frozen=True)
class Number:
    e164: str
    raw: str


def is_withheld(raw: str | None) -> bool:
    return raw is None or raw.strip().lower() in WITHHELD


# a local landline number as dialled inside its own area: 7–8 digits, not the trunk 0 of a full
# national number nor the 1 of a mobile (or of a service number: 110, 12345, 10000)
LOCAL_DIGITS = (7, 8)
_SEPARATORS = str.maketrans("", "", " -()")


def area_digits(area_code: str) -> str:
    """``local_area_code`` without its trunk 0 (010 → 10): the digits after +86."""
    return area_code.strip().removeprefix("0")


def local_number(text: str, area_code: str) -> str | None:
    """``text`` in full national form (0 + area code + number) when it is a local landline number
    without its area code and ``area_code`` (settings.local_area_code) is known; else None."""
    digits = text.translate(_SEPARATORS)
    if not area_code or not digits.isdigit() or len(digits) not in LOCAL_DIGITS or digits[0] in "01":
        return None
    return f"0{area_digits(area_code)}{digits}"


def normalise(raw: str | None, region: str = "CN", area_code: str = "") -> Number | None:
    """The E.164 form of a callable number; None when withheld or not a valid number. With
    ``area_code`` a local landline number given without it (66001234) is read as in that area."""
    if raw is None or is_withheld(raw):
        return None
    text = raw.strip()
    if any(ch.isalpha() for ch in text):
        return None  # phonenumbers reads letters as keypad digits (139abc… became 139222…): a typo, not a number
    if text.startswith("00"):
        text = "+" + text[2:]  # international prefix used from China
    text = local_number(text, area_code) or text
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return Number(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), raw.strip())


def dial_digits(e164: str, region: str = "CN") -> str:
    """Digits to dial from a line in ``region``: national form (trunk prefix kept, e.g. 010…) at
    home, 00 + country code + number abroad."""
    parsed = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(parsed) == region.upper():
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())
    return f"00{parsed.country_code}{phonenumbers.national_significant_number(parsed)}"


def stored_forms(raw: str | None, region: str = "CN", area_code: str = "") -> frozenset[str]:
    """The forms a caller id of the same number as ``raw`` may have been stored in as given —
    trunks differ: E.164, 00 + country code, country code alone, national with or without the
    trunk 0 (a mobile behind a 0 too), a landline of ``area_code`` without it —, each checked
    through :func:`normalise`, so a column that keeps numbers as the call gave them is matched by
    an indexed ``IN`` rather than normalising every row. A number that does not normalise (a local
    landline without its area code when none is set, a withheld one) has only its own form."""
    text = (raw or "").strip()
    num = normalise(text, region, area_code)
    if num is None:
        return frozenset({text} if text and not is_withheld(text) else ())
    parsed = phonenumbers.parse(num.e164, None)
    cc, nsn = str(parsed.country_code), phonenumbers.national_significant_number(parsed)
    candidates = {num.e164, f"00{cc}{nsn}", f"{cc}{nsn}", nsn, f"0{nsn}", dial_digits(num.e164, region)}
    if area_code and nsn.startswith(area := area_digits(area_code)):
        candidates.add(nsn[len(area):])  # R-ONE-CALL: a trunk that gives the local landline alone
    forms = {c for c in candidates
             if (same := normalise(c, region, area_code)) is not None and same.e164 == num.e164}
    return frozenset(forms | {text})


class NumberSettings(Protocol):
    """What of the settings reads a number (hotline.settings.Settings has both)."""

    phone_region: str
    local_area_code: str


def read_number(s: NumberSettings, raw: str | None) -> Number | None:
    """:func:`normalise` as this operator reads numbers: its region and its area code — the one
    call every caller id, keyed contact and typed number goes through."""
    return normalise(raw, s.phone_region, s.local_area_code)


def forms_of(s: NumberSettings, raw: str | None) -> frozenset[str]:
    """:func:`stored_forms` as this operator reads numbers (see :func:`read_number`)."""
    return stored_forms(raw, s.phone_region, s.local_area_code)
