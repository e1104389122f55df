"""R-PRIVACY: one masking rule (hotline.privacy) for inspectors and for logs — numbers in every
service's log are masked; a channel's unique id, times and ports are not numbers."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hotline.privacy import mask_number, redact_numbers
from hotline.settings import ROOT


@pytest.mark.parametrize("text, want", [
    ("caller 13800138000 queued", "caller *******8000 queued"),
    ("task for +8613800138000: held", "task for **********8000: held"),
    ("fault report 17 contact 02155550001 area urban", "fault report 17 contact *******0001 area urban"),
    ("linkedid 1733384346.12 bridged", "linkedid 1733384346.12 bridged"),
    ("AMI 127.0.0.1:5039 pid 123456 at 2026-12-05 04:39:06", "AMI 127.0.0.1:5039 pid 123456 at 2026-12-05 04:39:06"),
    ("channel PJSIP/8001-0000000b", "channel PJSIP/8001-0000000b"),
    # a channel whose sequence suffix is all digits: no number (the demo's log showed ****0014)
    ("hangup Local/10000@from-pstn-00000014;2 cause 16", "hangup Local/10000@from-pstn-00000014;2 cause 16"),
    ("PJSIP/trunk-00000123, SIP/8002-00000456", "PJSIP/trunk-00000123, SIP/8002-00000456"),
    # …but a phone number inside a channel name still is one, and a hyphen alone is no channel
    ("Local/13800138000@desk-00000007;1", "Local/*******8000@desk-00000007;1"),
    ("landline 010-12345678 called", "landline 010-****5678 called"),
])
def test_numbers_in_text_are_masked_as_inspectors_see_them(text: str, want: str) -> None:
    assert redact_numbers(text) == want
    assert mask_number("13800138000") == "*******8000"


def test_every_service_log_masks_numbers() -> None:
    """The log set-up every `hotline …` command runs (hotline.cli.configure_logging)."""
    code = ("import logging; from hotline.cli import configure_logging; configure_logging(); "
            "logging.getLogger('scheduler').warning('callback to %s failed (linkedid %s)', "
            "'13800138000', '1733384346.12')")
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stderr
    assert "callback to *******8000 failed (linkedid 1733384346.12)" in err, err
    assert "13800138000" not in err
