"""R-PRIVACY in the core: what a reader who may not see personal numbers (an inspector) is shown.
The one masking rule; the panel's ``web.view.number_for`` applies the same rule to its user."""

from __future__ import annotations

from hotline.vocabulary import Role

KEEP_DIGITS = 4


def mask_number(number: str | None) -> str | None:
    """Only the last 4 digits shown: ``+8613800001234`` → ``**********1234``."""
    if number is None:
        return None
    return "*" * max(len(number) - KEEP_DIGITS, 3) + number[-KEEP_DIGITS:]


def sees_numbers(role: str) -> bool:
    """Inspectors read records with numbers masked; agents, supervisors and admins see them."""
    return role != Role.INSPECTOR
