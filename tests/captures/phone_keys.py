"""A SIPp phone that presses keys once it answered: the agent's own transfer keys (features.conf
``blindxfer = #1``, ``atxfer = *2``), sent in the call as SIP INFO (application/dtmf-relay), as
many desk phones send them.

Built on tests/support/sipphone.py: the same phone, which after ``keys_after`` seconds of talk
sends one INFO per key. (SIPp's RFC 2833 recordings share one RTP timestamp, so Asterisk takes a
second key for the first one repeated.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.sipphone import OK_TO_REQUEST, SipPhone

_ANSWERED = '<recv request="ACK"><action><log message="answered [call_id]"/></action></recv>'
_INFO = """  <send retrans="500"><![CDATA[
INFO [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$local];tag=ph[pid]-[call_number]
To: [$remote]
Call-ID: [call_id]
CSeq: {cseq} INFO
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal={key}
Duration=160
]]></send>
  <recv response="200"/>
  <pause milliseconds="{gap_ms}"/>
"""


class KeyPhone(SipPhone):
    """``keys``: the keys pressed ``keys_after`` s after answering, ``gap_s`` apart (a pause of
    ``pause_s`` at each ``,``, e.g. while the PBX says "transfer")."""

    def __init__(self, *args: Any, keys: str, keys_after: float = 1.5, gap_s: float = 0.3, pause_s: float = 1.5,
                 **kw: Any):
        super().__init__(*args, **kw)
        self.keys, self.keys_after, self.gap_s, self.pause_s = keys, keys_after, gap_s, pause_s

    def _write_scenarios(self) -> tuple[Path, Path]:
        reg, phone = super()._write_scenarios()
        text = phone.read_text(encoding="iso-8859-1")
        steps = [f'  <pause milliseconds="{int(self.keys_after * 1000)}"/>']
        cseq = 1
        for key in self.keys:
            if key == ",":
                steps.append(f'  <pause milliseconds="{int(self.pause_s * 1000)}"/>')
                continue
            cseq += 1
            steps.append(_INFO.format(cseq=cseq, key=key, gap_ms=int(self.gap_s * 1000)))
        if _ANSWERED not in text or "CSeq: 1 BYE" not in text:
            raise RuntimeError("tests/support/sipphone.py changed: KeyPhone no longer fits its phone scenario")
        text = text.replace(_ANSWERED, _ANSWERED + "\n" + "".join(steps), 1)
        text = text.replace("CSeq: 1 BYE", f"CSeq: {cseq + 1} BYE")  # after the INFOs' sequence numbers
        phone.write_text(text, encoding="iso-8859-1")
        return reg, phone


_REFER = """  <pause milliseconds="{after_ms}"/>
  <send retrans="500"><![CDATA[
REFER [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$local];tag=ph[pid]-[call_number]
To: [$remote]
Call-ID: [call_id]
CSeq: 2 REFER
Max-Forwards: 70
Contact: <sip:{ext}@[local_ip]:[local_port]>
Refer-To: <sip:{target}@[remote_ip]:[remote_port]>
Referred-By: <sip:{ext}@[local_ip]:[local_port]>
Content-Length: 0

]]></send>
  <recv response="202"><action><log message="referred [call_id]"/></action></recv>
  <label id="wait"/>
  <recv request="NOTIFY" optional="true" next="notify"/>
"""
_NOTIFY_OK = """  <nop next="end"/>
  <label id="notify"/>
""" + OK_TO_REQUEST + """  <nop next="wait"/>
  <label id="end"/>"""
_WAIT_BYE = '  <recv request="BYE" timeout='


class ReferPhone(SipPhone):
    """A phone whose user transfers the call blind with the phone's own transfer function: ``after_s``
    seconds after answering it sends REFER (Refer-To: ``target``), answers the NOTIFYs that report
    how the transfer goes, and waits for Asterisk to hang it up."""

    def __init__(self, *args: Any, target: str, after_s: float = 1.5, **kw: Any):
        super().__init__(*args, **kw)
        self.target, self.after_s = target, after_s

    def _write_scenarios(self) -> tuple[Path, Path]:
        reg, phone = super()._write_scenarios()
        text = phone.read_text(encoding="iso-8859-1")
        end = '  <label id="end"/>'
        if _ANSWERED not in text or text.count(_WAIT_BYE) != 1 or text.count(end) != 1:
            raise RuntimeError("tests/support/sipphone.py changed: ReferPhone no longer fits its phone scenario")
        refer = _REFER.format(after_ms=int(self.after_s * 1000), ext=self.ext, target=self.target)
        text = text.replace(_WAIT_BYE, refer + _WAIT_BYE, 1)
        text = text.replace("CSeq: 1 BYE", "CSeq: 3 BYE")  # after the REFER's
        head, _sep, tail = text.rpartition(end)
        phone.write_text(head + _NOTIFY_OK + tail, encoding="iso-8859-1")
        return reg, phone
