"""A SIP phone whose user makes an attended transfer with the phone's own transfer function: it
holds two calls and sends REFER on the first with ``Refer-To: …?Replaces=<the second call>``
(RFC 3515 / RFC 3891), as desk phones do.

SIPp runs one scenario instance per Call-ID and cannot tie two calls together, so this phone is
a small SIP user agent of its own over UDP: it REGISTERs (digest), answers every INVITE after
``answer_after`` seconds (100, 180, 200 with SDP), answers NOTIFY, BYE and OPTIONS with 200, and
on :meth:`ReplacesPhone.refer_replacing` sends the REFER, on :meth:`ReplacesPhone.reinvite` a
hold or resume re-INVITE. No RTP is sent (nothing in the capture
depends on it)."""

from __future__ import annotations

import hashlib
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from hotline.settings import Settings
from tests.support.ports import free_port


@dataclass
class Dialog:
    """One call Asterisk placed to the phone: what an in-dialog request needs."""

    call_id: str
    remote: str  # the INVITE's From (Asterisk's side, with its tag)
    remote_tag: str
    local: str  # the INVITE's To, with the phone's tag added
    local_tag: str
    contact: str  # Asterisk's Contact URI: where in-dialog requests go
    answered: bool = False


def _header(msg: str, name: str) -> str:
    m = re.search(rf"^{name}:\s*(.*)$", msg, re.M | re.I)
    return m.group(1).strip() if m else ""


def _tag(value: str) -> str:
    m = re.search(r";tag=([^;>\s]+)", value)
    return m.group(1) if m else ""


class ReplacesPhone:
    def __init__(self, settings: Settings, ext: str, *, answer_after: float = 1.0):
        self.s, self.ext, self.answer_after = settings, ext, answer_after
        self.port = free_port(udp_too=True)
        self.media_port = free_port(udp_too=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.settimeout(0.2)
        self.server = ("127.0.0.1", settings.sip_port)
        self.dialogs: list[Dialog] = []
        self.responses: list[str] = []
        self.log: list[str] = []  # request lines and status lines, for diagnostics
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._cseq = 1
        self._sdp_version = 1
        self._thread = threading.Thread(target=self._run, daemon=True)

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> ReplacesPhone:
        self._thread.start()
        self._register()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    # -- sending ----------------------------------------------------------------------------
    def _send(self, text: str, to: tuple[str, int] | None = None) -> None:
        body_at = text.find("\r\n\r\n")
        self.sock.sendto(text.encode(), to or self.server)
        self.log.append("> " + text[:body_at].split("\r\n", 1)[0])

    def _via(self) -> str:
        return f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};rport;branch=z9hG4bK{uuid.uuid4().hex[:12]}"

    def _request(self, method: str, uri: str, headers: list[str], body: str = "") -> tuple[str, int]:
        """Sends a request; returns its Via and CSeq number (what a CANCEL of it repeats)."""
        self._cseq += 1
        via = self._via()
        lines = [f"{method} {uri} SIP/2.0", via, *headers, f"CSeq: {self._cseq} {method}",
                 "Max-Forwards: 70", "User-Agent: replaces-phone", f"Content-Length: {len(body.encode())}", "", body]
        self._send("\r\n".join(lines))
        return via, self._cseq

    def _wait_response(self, method: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self.responses:
                    if _header(r, "CSeq").endswith(method) and not r.startswith("SIP/2.0 1"):
                        self.responses.remove(r)
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"phone {self.ext}: no final answer to {method}; saw {self.log}")
                self._cond.wait(left)

    def _register(self) -> None:
        ext, host = self.ext, f"127.0.0.1:{self.s.sip_port}"
        call_id = f"reg-{uuid.uuid4().hex}"
        base = [f"From: <sip:{ext}@127.0.0.1>;tag=r{uuid.uuid4().hex[:8]}", f"To: <sip:{ext}@127.0.0.1>",
                f"Call-ID: {call_id}", f"Contact: <sip:{ext}@127.0.0.1:{self.port}>", "Expires: 600"]
        self._request("REGISTER", f"sip:{host}", base)
        answer = self._wait_response("REGISTER")
        if answer.startswith("SIP/2.0 401"):
            self._request("REGISTER", f"sip:{host}", [*base, self._authorization(answer, "REGISTER", f"sip:{host}")])
            answer = self._wait_response("REGISTER")
        if not answer.startswith("SIP/2.0 200"):
            raise RuntimeError(f"phone {ext} could not register: {answer.splitlines()[0]}")

    def _authorization(self, challenge: str, method: str, uri: str) -> str:
        www = _header(challenge, "WWW-Authenticate")
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', www))
        password = self.s.secret("sip_" + self.ext)
        ha1 = hashlib.md5(f"{self.ext}:{params['realm']}:{password}".encode()).hexdigest()
        ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
        auth = (f'Authorization: Digest username="{self.ext}", realm="{params["realm"]}", '
                f'nonce="{params["nonce"]}", uri="{uri}", algorithm=MD5')
        if "auth" in params.get("qop", "").split(","):
            cnonce = uuid.uuid4().hex[:8]
            digest = hashlib.md5(f"{ha1}:{params['nonce']}:00000001:{cnonce}:auth:{ha2}".encode()).hexdigest()
            auth += f', qop=auth, nc=00000001, cnonce="{cnonce}"'
        else:
            digest = hashlib.md5(f"{ha1}:{params['nonce']}:{ha2}".encode()).hexdigest()
        if "opaque" in params:
            auth += f', opaque="{params["opaque"]}"'
        return auth + f', response="{digest}"'

    # -- receiving --------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            msg = data.decode(errors="replace")
            first = msg.split("\r\n", 1)[0]
            self.log.append("< " + first)
            if first.startswith("SIP/2.0"):
                with self._cond:
                    self.responses.append(msg)
                    self._cond.notify_all()
            else:
                self._on_request(first.split(" ", 1)[0], msg, peer)

    def _reply(self, req: str, status: str, peer: tuple[str, int], extra: list[str] | None = None,
               body: str = "", to: str | None = None) -> None:
        vias = [v.strip() for v in re.findall(r"^Via:.*$", req, re.M | re.I)]
        lines = [f"SIP/2.0 {status}", *vias, f"From: {_header(req, 'From')}", f"To: {to or _header(req, 'To')}",
                 f"Call-ID: {_header(req, 'Call-ID')}", f"CSeq: {_header(req, 'CSeq')}", *(extra or []),
                 f"Content-Length: {len(body.encode())}", "", body]
        self._send("\r\n".join(lines), peer)

    def _on_request(self, method: str, req: str, peer: tuple[str, int]) -> None:
        if method == "INVITE":
            call_id = _header(req, "Call-ID")
            known = next((d for d in self.dialogs if d.call_id == call_id), None)
            if known is not None:  # a retransmission, or a re-INVITE: answer it as it stands
                self._reply(req, "200 OK", peer, self._contact_sdp()[0], self._contact_sdp()[1], to=known.local)
                return
            frm, to = _header(req, "From"), _header(req, "To")
            contact = re.sub(r"^.*<|>.*$", "", _header(req, "Contact"))
            d = Dialog(call_id, frm, _tag(frm), f"{to};tag=rp{uuid.uuid4().hex[:8]}", "", contact)
            d.local_tag = _tag(d.local)
            with self._cond:
                self.dialogs.append(d)
            self._reply(req, "100 Trying", peer)
            self._reply(req, "180 Ringing", peer, [f"Contact: <sip:{self.ext}@127.0.0.1:{self.port}>"], to=d.local)
            threading.Timer(self.answer_after, self._answer, (req, peer, d)).start()
        elif method in ("BYE", "NOTIFY", "OPTIONS", "INFO", "UPDATE"):
            self._reply(req, "200 OK", peer)
        elif method == "CANCEL":
            self._reply(req, "200 OK", peer)
        # ACK needs no answer

    def _contact_sdp(self, direction: str = "sendrecv", version: int = 1) -> tuple[list[str], str]:
        sdp = (f"v=0\r\no=phone 1 {version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               f"m=audio {self.media_port} RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
               f"a={direction}\r\n")
        return [f"Contact: <sip:{self.ext}@127.0.0.1:{self.port}>", "Content-Type: application/sdp"], sdp

    def _answer(self, req: str, peer: tuple[str, int], d: Dialog) -> None:
        if self._stop.is_set():
            return
        headers, sdp = self._contact_sdp()
        self._reply(req, "200 OK", peer, headers, sdp, to=d.local)
        with self._cond:
            d.answered = True
            self._cond.notify_all()

    # -- what the user does -------------------------------------------------------------------
    def wait_answered(self, n: int, timeout: float = 20) -> Dialog:
        """The ``n``-th call (1-based) once the phone answered it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.dialogs) < n or not self.dialogs[n - 1].answered:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"phone {self.ext}: call {n} not answered; saw {self.log}")
                self._cond.wait(left)
            return self.dialogs[n - 1]

    def invite(self, target: str, timeout: float = 20) -> Dialog:
        """The phone's user dials ``target``: INVITE (answering the digest challenge), then ACK
        once answered. Returns the call, as the phone knows it."""
        call_id, tag = f"ph-{uuid.uuid4().hex}@127.0.0.1", f"rp{uuid.uuid4().hex[:8]}"
        uri = f"sip:{target}@127.0.0.1:{self.s.sip_port}"
        local, remote = f"<sip:{self.ext}@127.0.0.1>;tag={tag}", f"<{uri}>"
        contact_sdp, sdp = self._contact_sdp()
        base = [f"From: {local}", f"To: {remote}", f"Call-ID: {call_id}", *contact_sdp]
        self._request("INVITE", uri, base, sdp)
        answer = self._wait_response("INVITE", timeout)
        if answer.startswith("SIP/2.0 401") or answer.startswith("SIP/2.0 407"):
            self._ack(answer, uri)  # a final answer to the first INVITE: acknowledged in its transaction
            if answer.startswith("SIP/2.0 407"):
                answer = answer.replace("Proxy-Authenticate:", "WWW-Authenticate:")
            self._request("INVITE", uri, [*base, self._authorization(answer, "INVITE", uri)], sdp)
            answer = self._wait_response("INVITE", timeout)
        if not answer.startswith("SIP/2.0 200"):
            self._ack(answer, uri)  # a refused call's final answer is acknowledged too (RFC 3261 17.1.1.3)
            raise RuntimeError(f"phone {self.ext}: {target} answered {answer.splitlines()[0]}")
        to = _header(answer, "To")
        contact = re.sub(r"^.*<|>.*$", "", _header(answer, "Contact")) or uri
        d = Dialog(call_id, to, _tag(to), local, tag, contact, answered=True)
        self._ack(answer, contact, new_branch=True)
        with self._cond:
            self.dialogs.append(d)
        return d

    def dial_and_hang_up(self, target: str, ring_s: float, timeout: float = 20) -> str:
        """The phone's user dials ``target`` and hangs up after ``ring_s`` while it still rings:
        INVITE (answering the digest challenge), then CANCEL (RFC 3261 9.1: the INVITE's Request-URI,
        Via, From, To, Call-ID and CSeq number). Returns the INVITE's final status line (487)."""
        call_id, tag = f"ph-{uuid.uuid4().hex}@127.0.0.1", f"rp{uuid.uuid4().hex[:8]}"
        uri = f"sip:{target}@127.0.0.1:{self.s.sip_port}"
        dialog = [f"From: <sip:{self.ext}@127.0.0.1>;tag={tag}", f"To: <{uri}>", f"Call-ID: {call_id}"]
        contact_sdp, sdp = self._contact_sdp()
        self._request("INVITE", uri, [*dialog, *contact_sdp], sdp)
        challenge = self._wait_response("INVITE", timeout)
        if not challenge.startswith(("SIP/2.0 401", "SIP/2.0 407")):
            raise RuntimeError(f"phone {self.ext}: {target} answered {challenge.splitlines()[0]}, not a challenge")
        self._ack(challenge, uri)
        challenge = challenge.replace("Proxy-Authenticate:", "WWW-Authenticate:")
        via, cseq = self._request("INVITE", uri, [*dialog, *contact_sdp, self._authorization(challenge, "INVITE", uri)],
                                  sdp)
        time.sleep(ring_s)
        self._send("\r\n".join([f"CANCEL {uri} SIP/2.0", via, *dialog, f"CSeq: {cseq} CANCEL", "Max-Forwards: 70",
                                 "Content-Length: 0", "", ""]))
        self._wait_response("CANCEL", timeout)
        final = self._wait_response("INVITE", timeout)
        self._ack(final, uri)
        return final.splitlines()[0]

    def _ack(self, answer: str, uri: str, new_branch: bool = False) -> None:
        cseq = _header(answer, "CSeq").split()[0]
        via = self._via() if new_branch else next(
            v.strip() for v in re.findall(r"^Via:.*$", answer, re.M | re.I))
        lines = [f"ACK {uri} SIP/2.0", via, f"From: {_header(answer, 'From')}", f"To: {_header(answer, 'To')}",
                 f"Call-ID: {_header(answer, 'Call-ID')}", f"CSeq: {cseq} ACK", "Max-Forwards: 70",
                 "Content-Length: 0", "", ""]
        self._send("\r\n".join(lines))

    def bye(self, d: Dialog) -> None:
        """The phone's user hangs up call ``d``."""
        self._request("BYE", d.contact, [f"From: {d.local}", f"To: {d.remote}", f"Call-ID: {d.call_id}"])
        self._wait_response("BYE")

    def reinvite(self, d: Dialog, direction: str) -> str:
        """The phone's user puts call ``d`` on hold (``sendonly``, as desk phones do) or takes it
        back (``sendrecv``): a re-INVITE with a new SDP version; returns the answer's status line."""
        self._sdp_version += 1
        headers, sdp = self._contact_sdp(direction, self._sdp_version)
        self._request("INVITE", d.contact, [f"From: {d.local}", f"To: {d.remote}", f"Call-ID: {d.call_id}", *headers],
                      sdp)
        answer = self._wait_response("INVITE")
        self._ack(answer, d.contact, new_branch=True)
        return answer.split("\r\n", 1)[0]

    def refer_replacing(self, held: Dialog, consult: Dialog, target: str) -> str:
        """REFER on ``held`` asking its other party to replace ``consult`` (attended transfer);
        returns the status line of the answer (202 Accepted)."""
        # Replaces names the dialog as the REFER's recipient knows it: to-tag its own (Asterisk's)
        # tag, from-tag the phone's (RFC 3891)
        replaces = f"{consult.call_id};to-tag={consult.remote_tag};from-tag={consult.local_tag}"
        escaped = replaces.replace("@", "%40").replace(";", "%3B").replace("=", "%3D")
        headers = [f"From: {held.local}", f"To: {held.remote}", f"Call-ID: {held.call_id}",
                   f"Contact: <sip:{self.ext}@127.0.0.1:{self.port}>",
                   f"Refer-To: <sip:{target}@127.0.0.1:{self.s.sip_port}?Replaces={escaped}>",
                   f"Referred-By: <sip:{self.ext}@127.0.0.1:{self.port}>"]
        self._request("REFER", held.contact, headers)
        return self._wait_response("REFER").split("\r\n", 1)[0]
