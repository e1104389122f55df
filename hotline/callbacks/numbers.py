"""Customer numbers: one normal form (E.164, +86 aware) so a caller's abandons, later calls and
callbacks all meet on the same task, and the digits Asterisk dials to reach them."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

# what Asterisk and carriers put in the caller id when the caller hides it
WITHHELD = {"", "anonymous", "unknown", "<unknown>", "withheld", "restricted", "private", "unavailable"}


@dataclass(frozen=True)
class Number:
    e164: str
    raw: str


def is_withheld(raw: str | None) -> bool:
    return raw is None or raw.strip().lower() in WITHHELD


def normalise(raw: str | None, region: str = "CN") -> Number | None:
    """The E.164 form of a callable number; None when withheld or not a valid number."""
    if raw is None or is_withheld(raw):
        return None
    text = raw.strip()
    if any(ch.isalpha() for ch in text):
        return None  # phonenumbers reads letters as keypad digits (139abc… became 139222…): a typo, not a number
    if text.startswith("00"):
        text = "+" + text[2:]  # international prefix used from China
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


def stored_forms(raw: str | None, region: str = "CN") -> frozenset[str]:
    """The forms a caller id of the same number as ``raw`` may have been stored in as given —
    trunks differ: E.164, 00 + country code, country code alone, national with or without the
    trunk 0 (a mobile behind a 0 too) —, each checked through :func:`normalise`, so a column that
    keeps numbers as the call gave them is matched by an indexed ``IN`` rather than normalising
    every row. A number that does not normalise (a local landline without its area code, a
    withheld one) has only its own form."""
    text = (raw or "").strip()
    num = normalise(text, region)
    if num is None:
        return frozenset({text} if text and not is_withheld(text) else ())
    parsed = phonenumbers.parse(num.e164, None)
    cc, nsn = str(parsed.country_code), phonenumbers.national_significant_number(parsed)
    candidates = {num.e164, f"00{cc}{nsn}", f"{cc}{nsn}", nsn, f"0{nsn}", dial_digits(num.e164, region)}
    forms = {c for c in candidates if (same := normalise(c, region)) is not None and same.e164 == num.e164}
    return frozenset(forms | {text})
