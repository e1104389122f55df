"""Agents' phones cannot dial beyond an agent (issue 19, "dialplan injection"): a phone's
Request-URI user part becomes ${EXTEN}; under a pattern it went into Dial(PJSIP/${EXTEN},…), so
``8002&PJSIP/8003`` rang a second channel (through a trunk: toll fraud) and ``8003,5,D(1)`` added
Dial options. An authenticated agent phone (SIPp answering Asterisk's digest challenge as 8001)
sends such INVITEs to a private Asterisk of this module's own; the AMI events prove what was dialled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.pbx.config import Layout
from hotline.pbx.process import Asterisk
from tests.support.pbx import EventTap, phones_asterisk
from tests.support.sipdial import phone_dials
from tests.support.sipphone import SipPhone

pytestmark = pytest.mark.asterisk


@pytest.fixture(scope="module")
def phones_pbx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Asterisk]:
    with phones_asterisk(tmp_path_factory.mktemp("inject"), "inject") as ast:
        yield ast


def dial_begins(tap: EventTap, since: int) -> list[str]:
    return [m.get("DestChannel") or m.get("DialString") or "" for m in tap.messages[since:]
            if m.name == "DialBegin"]


@pytest.mark.parametrize("target", ["8002&PJSIP/8003", "8003,5,D(1)", "10000", "99999"])
def test_phone_dials_nothing_but_an_agent(phones_pbx: Asterisk, tmp_path: Path, target: str) -> None:
    s = phones_pbx.settings
    with EventTap(s) as tap, SipPhone(s, "8002", busy=True, tmp_dir=tmp_path) as p2, \
            SipPhone(s, "8003", busy=True, tmp_dir=tmp_path) as p3:
        since = len(tap.messages)
        assert phone_dials(s, "8001", target, tmp_path) == "404"  # no such number for a phone
        time.sleep(0.5)
        assert dial_begins(tap, since) == []
        assert "invite" not in p2.steps() and "invite" not in p3.steps()


def test_phone_still_dials_another_agent(phones_pbx: Asterisk, tmp_path: Path) -> None:
    s = phones_pbx.settings
    with EventTap(s) as tap, SipPhone(s, "8002", busy=True, tmp_dir=tmp_path) as p2, \
            SipPhone(s, "8003", busy=True, tmp_dir=tmp_path) as p3:
        since = len(tap.messages)
        assert phone_dials(s, "8001", "8002", tmp_path) == "486"  # 8002's phone is busy: it was rung
        time.sleep(0.5)
        dialled = dial_begins(tap, since)
        assert dialled and all(d.startswith(("PJSIP/8002-", "Local/8002@agents-phone")) for d in dialled), dialled
        assert "busy" in p2.steps() and "invite" not in p3.steps()


def test_no_context_hands_a_raw_extension_to_dial(phones_pbx: Asterisk) -> None:
    """Every Dial of ${EXTEN} or of a number passed in keeps only digits (defence behind the exact
    extensions: [agents-phone] is reached by the queue, [hotline-callback] by an AMI Originate)."""
    conf = (Layout(phones_pbx.settings.asterisk_dir).etc / "extensions.conf").read_text()
    dials = [line for line in conf.splitlines() if "Dial(" in line and not line.lstrip().startswith(";")]
    assert dials
    for line in dials:
        assert "${EXTEN}" not in line.replace("${FILTER(0-9,${EXTEN})}", ""), line
    assert "context = agents-phone-out" in (Layout(phones_pbx.settings.asterisk_dir).etc / "pjsip.conf").read_text()
