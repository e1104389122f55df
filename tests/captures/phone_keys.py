"""A SIPp phone that presses keys once it answered: the agent's own transfer keys (features.conf
``blindxfer = #1``, ``atxfer = *2``), sent in the call as SIP INFO (application/dtmf-relay), as
many desk phones send them.

Built on tests/support/sipphone.py: the same phone, which after ``keys_after`` seconds of talk
sends one INFO per key. (SIPp's RFC 2833 recordings share one RTP timestamp, so Asterisk takes a
second key for the first one repeated.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.sipphone import SipPhone

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
