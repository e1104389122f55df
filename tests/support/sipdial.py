"""An agent's phone placing one call, emulated by SIPp: an INVITE that Asterisk challenges (401)
and that the phone sends again with the agent's digest credentials. Its final response is the
outcome; an answered call (a feature code such as the pause key's *46) is acknowledged and waits
for Asterisk's BYE.

    phone_dials(settings, "8001", "*46", tmp)  # "200"
    phone_dials(settings, "8002", "*46", tmp, from_user="8001")  # 8002's credentials, 8001's From
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from hotline.pbx.process import die_with_parent
from hotline.settings import Settings
from tests.support.ports import free_port
from tests.support.sipphone import OK_TO_REQUEST, SDP_HEAD

_INVITE = """  <send retrans="500"><![CDATA[
INVITE sip:{target}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: {display}<sip:{from_user}@[remote_ip]:[remote_port]>;tag=[pid]-[call_number]
To: <sip:{target}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: {cseq} INVITE
Contact: <sip:{from_user}@[local_ip]:[local_port]>
{headers}{auth}Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

""" + SDP_HEAD + """m=audio [media_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000
]]></send>
"""

# the ACK of a refusal (the INVITE's own transaction: its Via)
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

# an answered call: its ACK (a transaction of its own), then Asterisk's BYE, answered
_ANSWERED = """  <send><![CDATA[
ACK sip:{target}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 2 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv request="BYE" timeout="15000"/>
""" + OK_TO_REQUEST + """  <nop next="end"><action><log message="bye-received"/></action></nop>
"""

REFUSALS = (401, 403, 404, 480, 486, 503, 603)


def _line(text: str) -> str:
    return text.replace("\r", "").replace("\n", "")


def scenario(ext: str, password: str, target: str, from_user: str | None = None,
             display: str | None = None, headers: tuple[str, ...] = ()) -> str:
    """``ext``'s credentials answer the challenge; ``from_user`` / ``display`` / ``headers``: what
    the INVITE claims (a phone spoofing another agent)."""
    invite = {"target": target, "from_user": from_user or ext,
              "display": f'"{_line(display)}" ' if display else "",
              "headers": "".join(_line(h) + "\n" for h in headers)}
    finals = "".join(f'  <recv response="{code}" optional="true" next="ack">'
                     f'<action><log message="final {code}"/></action></recv>\n' for code in REFUSALS)
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="agent phone dials">\n'
            + _INVITE.format(**invite, cseq=1, auth="")
            + '  <recv response="100" optional="true"/>\n  <recv response="401" auth="true"/>\n'
            + _ACK.format(target=target, cseq=1)
            + _INVITE.format(**invite, cseq=2, auth=f"[authentication username={ext} password={password}]\n")
            + '  <recv response="100" optional="true"/>\n  <recv response="180" optional="true"/>\n'
            + '  <recv response="183" optional="true"/>\n' + finals
            + '  <recv response="200"><action><log message="final 200"/></action></recv>\n'
            + _ANSWERED.format(target=target)
            + '  <label id="ack"/>\n' + _ACK.format(target=target, cseq=2)
            + '  <label id="end"/>\n</scenario>\n')


def phone_dials(s: Settings, ext: str, target: str, tmp: Path, *, from_user: str | None = None,
                display: str | None = None, headers: tuple[str, ...] = ()) -> str:
    """Agent ``ext``'s phone sends an INVITE for ``target``; returns the final response code (an
    answered call returns once Asterisk hung it up)."""
    binary = shutil.which("sipp")
    if not binary:
        raise RuntimeError("sipp is not installed: scripts/install-system.sh installs sip-tester")
    work = tmp / f"dial-{time.monotonic_ns()}"
    work.mkdir()
    scen = work / "dial.xml"
    scen.write_text(scenario(ext, s.secret("sip_" + ext), target, from_user, display, headers), encoding="iso-8859-1")
    log = work / "steps.log"
    subprocess.run([binary, f"{s.ami_host}:{s.sip_port}", "-sf", str(scen), "-m", "1", "-nostdin",
                    "-i", "127.0.0.1", "-p", str(free_port(udp_too=True)), "-mi", "127.0.0.1",
                    "-mp", str(free_port(udp_too=True)), "-timeout", "20s", "-trace_logs", "-log_file", str(log),
                    "-trace_msg", "-message_file", str(work / "messages.log")],
                   cwd=work, stdin=subprocess.DEVNULL, capture_output=True, preexec_fn=die_with_parent, timeout=40,
                   check=False)  # the outcome is read from the log below
    lines = log.read_text().split() if log.exists() else []
    if "final" not in lines:
        messages_log = work / "messages.log"
        messages = messages_log.read_text(errors="replace")[-3000:] if messages_log.exists() else ""
        raise AssertionError(f"no final response to the INVITE for {target!r}:\n{messages}")
    return lines[lines.index("final") + 1]
