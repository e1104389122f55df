"""A real SIP phone for an agent, emulated by SIPp: it REGISTERs with the agent's digest
credentials, then answers (or not) the INVITEs Asterisk sends it.

    with SipPhone(settings, "8001", answer_after=1, talk=3, tmp_dir=tmp) as phone:
        ...  # phone 8001 answers after 1 s of ringing, talks 3 s, then hangs up itself (BYE)

One SIPp process per phone: the main (client) scenario registers and then idles; every INVITE
has a Call-ID of its own, which SIPp hands to the out-of-call scenario (``-oocsf``) — that is the
phone ringing and answering. Each INVITE is handled on its own, so a phone can be rung many
times (queue retries, a callback after a queue call). The scenario writes one line per step to
a log (``invite``, ``cancelled``, ``answered``, ``bye-sent``, ``bye-received``, ``busy``), which
tests may read with :meth:`SipPhone.steps`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from hotline.pbx.process import die_with_parent
from hotline.settings import Settings
from tests.support.ports import free_port

FOREVER_MS = 3_600_000

_REGISTER_MSG = """  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{{ext}}@[remote_ip]>;tag=reg[pid]-[call_number]
To: <sip:{{ext}}@[remote_ip]>
Call-ID: [call_id]
CSeq: {cseq} REGISTER
Contact: <sip:{{ext}}@[local_ip]:[local_port]>
{auth}Max-Forwards: 70
Expires: {{expires}}
User-Agent: sipp-phone
Content-Length: 0

]]></send>
"""

# register (the first try is refused 401 with a challenge, the second answers it), then stay
_REGISTER = ("""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register {ext}">
""" + _REGISTER_MSG.format(cseq=1, auth="") + """  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
""" + _REGISTER_MSG.format(cseq=2, auth="[authentication username={ext} password={password}]\n")
             + """  <recv response="100" optional="true"/>
  <recv response="200"/>
  <nop><action><log message="registered"/></action></nop>
  <pause milliseconds="{lifetime_ms}"/>
</scenario>
""")


def reply(status: str, *, tagged: bool = True, cseq: str = "[last_CSeq:]", contact: bool = False) -> str:
    """The phone's response ``status`` to the request it just received, its headers copied from
    that request ([last_*]). ``tagged``: the To carries the phone's tag (a response within the call
    the phone answers, not to a request of an existing dialog); ``contact``: the phone's Contact."""
    to_tag = ";tag=ph[pid]-[call_number]" if tagged else ""
    contact_line = "Contact: <sip:{ext}@[local_ip]:[local_port]>\n" if contact else ""
    return f"""  <send><![CDATA[
SIP/2.0 {status}
[last_Via:]
[last_From:]
[last_To:]{to_tag}
[last_Call-ID:]
{cseq}
{contact_line}Content-Length: 0

]]></send>
"""


# the phone's 200 OK to the request it just received (a BYE, a NOTIFY), in a scenario's steps
OK_TO_REQUEST = reply("200 OK", tagged=False)

# a phone's session description (SDP) after its headers' blank line, up to its media line: the
# phone dialling offers PCMA, the phone answering PCMA and PCMU
SDP_HEAD = """v=0
o=phone 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
"""

# One incoming call. [last_*] copy the headers of the last message received (the INVITE, or the
# CANCEL on the cancelled path, whose Via branch is the INVITE's).
_PHONE = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="phone {ext}">
  <recv request="INVITE">
    <action>
{capture}      <log message="invite [call_id]"/>
    </action>
  </recv>
""" + reply("100 Trying", tagged=False) + """{ring}
</scenario>
"""

# What the answering path needs from the INVITE (to CANCEL's 487 and its own BYE). Only there:
# SIPp refuses to run a scenario with a variable it assigns but never uses (the busy phone).
_CAPTURE = """      <ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="invcseq"/>
      <ereg regexp="sip:[^&gt;;]*" search_in="hdr" header="Contact:" assign_to="contact"/>
      <ereg regexp="[^ ].*" search_in="hdr" header="From:" assign_to="remote"/>
      <ereg regexp="[^ ].*" search_in="hdr" header="To:" assign_to="local"/>
"""

_BUSY = reply("486 Busy Here") + """  <recv request="ACK"><action><log message="busy [call_id]"/></action></recv>
"""

# rings; a CANCEL is answered (200 to it, 487 to the INVITE), else it answers, talks, hangs up
_RING = reply("180 Ringing", contact=True) + """  <recv request="CANCEL" timeout="{ring_ms}" ontimeout="answer"/>
""" + reply("200 OK") + reply("487 Request Terminated", cseq="CSeq: [$invcseq] INVITE") + """\
  <recv request="ACK" next="end"><action><log message="cancelled [call_id]"/></action></recv>

  <label id="answer"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=ph[pid]-[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:{ext}@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

""" + SDP_HEAD + """m=audio [media_port] RTP/AVP 8 0
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=sendrecv
]]></send>
  <recv request="ACK"><action><log message="answered [call_id]"/></action></recv>
  <recv request="BYE" timeout="{talk_ms}" ontimeout="hangup"/>
""" + OK_TO_REQUEST + """  <nop next="end"><action><log message="bye-received [call_id]"/></action></nop>

  <label id="hangup"/>
  <send retrans="500"><![CDATA[
BYE [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$local];tag=ph[pid]-[call_number]
To: [$remote]
Call-ID: [call_id]
CSeq: 1 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"><action><log message="bye-sent [call_id]"/></action></recv>
  <label id="end"/>
"""


def _ms(seconds: float | None) -> int:
    return FOREVER_MS if seconds is None else max(1, int(seconds * 1000))


class SipPhone:
    """Agent ``ext``'s phone. ``answer_after``: seconds of ringing before it answers (None: never
    answers, rings until cancelled); ``talk``: seconds after answering before it hangs up with a
    BYE (None: it talks until the other side hangs up); ``busy``: it rejects every call (486)."""

    def __init__(self, settings: Settings, ext: str, *, answer_after: float | None = 1.0,
                 talk: float | None = 3.0, busy: bool = False, tmp_dir: Path | None = None,
                 lifetime_s: float = 600):
        if not ext.isdigit():
            raise ValueError(f"an agent extension is digits, not {ext!r}")
        self.settings, self.ext = settings, ext
        self.answer_after, self.talk, self.busy = answer_after, talk, busy
        self.lifetime_s = lifetime_s
        self._own_dir = tmp_dir is None
        if tmp_dir is None:
            self.dir = Path(tempfile.mkdtemp(prefix=f"sipphone-{ext}-"))
        else:
            self.dir = Path(tmp_dir) / f"phone-{ext}-{time.monotonic_ns()}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port(udp_too=True)
        self.media_port = free_port(udp_too=True)
        self.proc: subprocess.Popen[bytes] | None = None

    # -- scenario files -------------------------------------------------------------------
    def _write_scenarios(self) -> tuple[Path, Path]:
        password = self.settings.secret("sip_" + self.ext)
        reg = _REGISTER.format(ext=self.ext, password=escape(password), expires=int(self.lifetime_s) + 60,
                               lifetime_ms=int(self.lifetime_s * 1000))
        ring = _BUSY if self.busy else _RING.format(ext=self.ext, ring_ms=_ms(self.answer_after),
                                                   talk_ms=_ms(self.talk))
        phone = _PHONE.format(ext=self.ext, ring=ring, capture="" if self.busy else _CAPTURE)
        reg_path, phone_path = self.dir / "register.xml", self.dir / "phone.xml"
        reg_path.write_text(reg, encoding="iso-8859-1")
        phone_path.write_text(phone, encoding="iso-8859-1")
        return reg_path, phone_path

    @property
    def log_path(self) -> Path:
        return self.dir / "steps.log"

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> SipPhone:
        binary = shutil.which("sipp")
        if not binary:
            raise RuntimeError("sipp is not installed: scripts/install-system.sh installs sip-tester")
        reg, phone = self._write_scenarios()
        s = self.settings
        cmd = [binary, f"{s.ami_host}:{s.sip_port}", "-sf", str(reg), "-oocsf", str(phone),
               "-i", "127.0.0.1", "-p", str(self.port), "-mi", "127.0.0.1", "-mp", str(self.media_port),
               "-m", "1", "-nostdin", "-timeout", f"{int(self.lifetime_s)}s",
               "-trace_logs", "-log_file", str(self.log_path),
               "-trace_msg", "-message_file", str(self.dir / "messages.log"),
               "-trace_err", "-error_file", str(self.dir / "errors.log")]
        out = open(self.dir / "sipp.out", "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, preexec_fn=die_with_parent, close_fds=True)
        out.close()
        deadline = time.monotonic() + timeout
        while "registered" not in self.steps():
            if self.proc.poll() is not None:
                raise RuntimeError(f"phone {self.ext}: sipp exited ({self.proc.returncode}) before registering:\n"
                                   + self.diagnostics())
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"phone {self.ext} did not register within {timeout} s:\n" + self.diagnostics())
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> SipPhone:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what happened ----------------------------------------------------------------------
    def steps(self) -> list[str]:
        """The step words logged so far, in order (``registered``, ``invite``, ``answered`` …)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        return [line.split()[0] for line in text.splitlines() if line.strip()]

    def wait_step(self, step: str, count: int = 1, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while self.steps().count(step) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"phone {self.ext}: no {step!r} ×{count} within {timeout} s; steps "
                                   f"{self.steps()}\n{self.diagnostics()}")
            time.sleep(0.05)

    def diagnostics(self, chars: int = 3000) -> str:
        out = []
        for name in ("sipp.out", "errors.log", "messages.log"):
            f = self.dir / name
            if f.exists():
                out.append(f"--- {name} ---\n" + f.read_text(errors="replace")[-chars:])
        return "\n".join(out)
