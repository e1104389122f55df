"""Agents' phones cannot dial beyond an agent (issue 19, "dialplan injection"): a phone's
Request-URI user part becomes ${EXTEN}; under a pattern it went into Dial(PJSIP/${EXTEN},…), so
``8002&PJSIP/8003`` rang a second channel (through a trunk: toll fraud) and ``8003,5,D(1)`` added
Dial options. An authenticated agent phone (SIPp answering Asterisk's digest challenge as 8001)
sends such INVITEs to a private Asterisk of this module's own; the AMI events prove what was dialled."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.pbx.config import Layout
from hotline.pbx.process import Asterisk, die_with_parent
from hotline.settings import Settings
from tests.support.pbx import EventTap, pbx_test_settings
from tests.support.ports import free_port
from tests.support.sipphone import SipPhone

pytestmark = pytest.mark.asterisk

_INVITE = """  <send retrans="500"><![CDATA[
INVITE sip:{target}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{ext}@[remote_ip]:[remote_port]>;tag=[pid]-[call_number]
To: <sip:{target}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: {cseq} INVITE
Contact: <sip:{ext}@[local_ip]:[local_port]>
{auth}Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=phone 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000
]]></send>
"""

_ACK = """  <send><![CDATA[
ACK sip:{target}@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: {cseq} ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
"""

FINALS = (404, 480, 486, 503, 603)


def _scenario(ext: str, password: str, target: str) -> str:
    finals = "".join(f'  <recv response="{code}" optional="{"false" if code == FINALS[-1] else "true"}" next="ack">'
                     f'<action><log message="final {code}"/></action></recv>\n' for code in FINALS)
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="agent phone dials">\n'
            + _INVITE.format(target=target, ext=ext, cseq=1, auth="")
            + '  <recv response="100" optional="true"/>\n  <recv response="401" auth="true"/>\n'
            + _ACK.format(target=target, cseq=1)
            + _INVITE.format(target=target, ext=ext, cseq=2,
                             auth=f"[authentication username={ext} password={password}]\n")
            + '  <recv response="100" optional="true"/>\n  <recv response="180" optional="true"/>\n'
            + '  <recv response="183" optional="true"/>\n' + finals
            + '  <label id="ack"/>\n' + _ACK.format(target=target, cseq=2) + "</scenario>\n")


def phone_dials(s: Settings, ext: str, target: str, tmp: Path) -> str:
    """Agent ``ext``'s phone sends an INVITE for ``target``; returns the final response code."""
    binary = shutil.which("sipp")
    if not binary:
        pytest.fail("sipp is not installed: scripts/install-system.sh installs sip-tester")
    work = tmp / f"dial-{time.monotonic_ns()}"
    work.mkdir()
    scen = work / "dial.xml"
    scen.write_text(_scenario(ext, s.secret("sip_" + ext), target), encoding="iso-8859-1")
    log = work / "steps.log"
    subprocess.run([binary, f"{s.ami_host}:{s.sip_port}", "-sf", str(scen), "-m", "1", "-nostdin",
                    "-i", "127.0.0.1", "-p", str(free_port(udp_too=True)), "-mi", "127.0.0.1",
                    "-mp", str(free_port(udp_too=True)), "-timeout", "20s", "-trace_logs", "-log_file", str(log),
                    "-trace_msg", "-message_file", str(work / "messages.log")],
                   cwd=work, stdin=subprocess.DEVNULL, capture_output=True, preexec_fn=die_with_parent, timeout=40,
                   check=False)  # the outcome is read from the log below
    lines = log.read_text().split() if log.exists() else []
    if "final" not in lines:
        messages = (work / "messages.log").read_text(errors="replace")[-3000:] if (work / "messages.log").exists() else ""
        pytest.fail(f"no final response to the INVITE for {target!r}:\n{messages}")
    return lines[lines.index("final") + 1]


@pytest.fixture(scope="module")
def phones_pbx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Asterisk]:
    s = pbx_test_settings(tmp_path_factory.mktemp("inject"), agent_technology="pjsip",
                          agents=["8001", "8002", "8003"], server_id="inject")
    ast = Asterisk(s).start()
    yield ast
    ast.stop()


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
