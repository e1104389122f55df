"""Renders the repo's Asterisk configuration templates (``asterisk/``) into a private directory.

Templates use ``{{name}}`` placeholders (Asterisk's own ``${...}`` stays untouched). Every
writable path Asterisk uses lies under ``settings.asterisk_dir``; nothing in /etc or /var is read
or written, so several instances can run side by side on different ports.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from hotline.chanvars import ChanVar
from hotline.pbx.ami import AmiRole, ami_login
from hotline.pbx.certificate import CertificateError, softphone_certificate
from hotline.rules import ring_rule
from hotline.settings import ROOT, Settings

TEMPLATES = ROOT / "asterisk"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


class ConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class Layout:
    """Where one private Asterisk keeps everything."""

    base: Path

    @property
    def etc(self) -> Path:
        return self.base / "etc"

    @property
    def run(self) -> Path:
        return self.base / "run"

    @property
    def log(self) -> Path:
        return self.base / "log"

    @property
    def spool(self) -> Path:
        return self.base / "spool"

    @property
    def lib(self) -> Path:
        return self.base / "lib"

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def cache(self) -> Path:
        return self.base / "cache"

    @property
    def monitor(self) -> Path:
        return self.spool / "monitor"

    @property
    def conf(self) -> Path:
        return self.etc / "asterisk.conf"

    @property
    def queue_log(self) -> Path:
        return self.log / "queue_log"

    @property
    def cel_csv(self) -> Path:
        return self.log / "cel-custom" / "Master.csv"

    @property
    def messages(self) -> Path:
        return self.log / "messages"

    @property
    def ctl(self) -> Path:
        return self.run / "asterisk.ctl"

    @property
    def pid(self) -> Path:
        return self.run / "asterisk.pid"


def _members(s: Settings) -> str:
    lines = []
    for ext in s.agents:
        if s.agent_technology == "pjsip":
            # a Local member so the dialplan greets the caller once the phone answers (R-ANS-GREET,
            # [agents-phone]); its busy/idle state is the phone's own
            lines.append(f"member => Local/{ext}@agents-phone/n,0,{ext},PJSIP/{ext}")
        elif s.agent_technology == "local":
            # /n: no Local optimisation, so the member channel stays visible in the bridge.
            lines.append(f"member => Local/{ext}@agents/n,0,{ext}")
        else:
            raise ConfigError(f"agent_technology must be 'local' or 'pjsip', not {s.agent_technology!r}")
    return "\n".join(lines)


def phone_extensions(s: Settings) -> list[str]:
    """Every extension with a PJSIP endpoint: the agents, and with softphones the supervisors'
    browser phones (endpoints only: no queue member, nothing routes calls to them but monitoring)."""
    return [*s.agents, *(s.softphone_supervisors if s.agent_softphone else [])]


def _endpoints(s: Settings) -> str:
    blocks = []
    for ext in phone_extensions(s):
        blocks.append(
            f"[{ext}]\ntype = endpoint\ncontext = agents-phone-out\ndisallow = all\nallow = alaw,ulaw\n"
            f"auth = {ext}-auth\naors = {ext}\ndirect_media = no\ncallerid = {ext} <{ext}>\n"
            f"{_webrtc(s)}\n"
            f"[{ext}-auth]\ntype = auth\nauth_type = userpass\nusername = {ext}\n"
            f"password = {s.secret('sip_' + ext)}\n\n"
            f"[{ext}]\ntype = aor\nmax_contacts = 1\nremove_existing = yes\n"
            # a browser that vanished (crash, network gone) is unreachable within seconds, so the
            # queue stops ringing it: its registration would otherwise stand until it expires
            + ("qualify_frequency = 15\n" if s.agent_softphone else "")
        )
    return "\n".join(blocks)


def _webrtc(s: Settings) -> str:
    """The agent's own endpoint made a browser's (agent_softphone): the queue's Dial(PJSIP/<ext>)
    in [agents-phone] reaches the page as it reached a desk phone. webrtc = yes is Asterisk 16's
    bundle: AVPF, DTLS-SRTP (fingerprint-verified), ICE, rtcp-mux, media over the transport the
    REGISTER came on. G.711 only: Debian's Asterisk has no Opus codec (codec_opus is not packaged,
    only res_format_attr_opus), and every browser speaks PCMU/PCMA."""
    if not s.agent_softphone:
        return ""
    cert = softphone_certificate(s)
    return f"webrtc = yes\ndtls_cert_file = {cert.cert}\ndtls_private_key = {cert.key}\n"


def _softphone_transports(s: Settings) -> str:
    """SIP over WebSocket rides on Asterisk's HTTP server (http.conf): ws on the plain port, wss on
    the TLS one; NAT settings describe how agents on other networks see this host."""
    if not s.agent_softphone:
        return ""
    nat = []
    if s.softphone_external_address:
        nat += [f"external_media_address = {s.softphone_external_address}",
                f"external_signaling_address = {s.softphone_external_address}"]
    nat += [f"local_net = {net}" for net in s.softphone_local_net]
    blocks = []
    for proto in ("ws", "wss") if s.softphone_tls else ("ws",):
        blocks.append("\n".join([f"[transport-{proto}]", "type = transport", f"protocol = {proto}",
                                 "bind = 0.0.0.0", *nat]))
    return "\n\n".join(blocks) + "\n"


def _http(s: Settings) -> dict[str, str]:
    """http.conf: off unless agents have softphones; loopback unless softphone_bind says otherwise."""
    tls = s.agent_softphone and s.softphone_tls
    cert = softphone_certificate(s) if tls else None
    return {
        "http_enabled": "yes" if s.agent_softphone else "no",
        "http_bind": s.softphone_bind,
        "http_port": str(s.softphone_http_port),
        "https_enabled": "yes" if tls else "no",
        "https_bind": f"{s.softphone_bind}:{s.softphone_https_port}",
        "https_cert": str(cert.cert) if cert else "",
        "https_key": str(cert.key) if cert else "",
    }


def _rtp_ice(s: Settings) -> str:
    lines = [f"icesupport = {'yes' if s.agent_softphone else 'no'}"]
    if s.agent_softphone and s.softphone_stun_server:
        lines.append(f"stunaddr = {s.softphone_stun_server}")
    return "\n".join(lines)


# What each AMI role may read and write (Asterisk 16 classes). Read: channel/queue/agent events,
# VarSet (queue status, recording name), UserEvents from the IVR, system state for readiness.
_EVENTS = {"system", "call", "agent", "user", "dtmf", "dialplan"}
AMI_PERMISSIONS: dict[AmiRole, tuple[set[str], set[str]]] = {
    # CoreShowChannels needs system or reporting: reporting (read-only status actions only)
    AmiRole.LISTENER: (_EVENTS, {"reporting"}),
    AmiRole.ORIGINATE: (set(), {"originate"}),
    AmiRole.ADMIN: (_EVENTS, {"system", "call", "originate", "agent", "command", "reporting"}),
    AmiRole.DESK: (set(), {"call", "agent", "originate", "reporting"}),
}
# noise nothing in the product reads
_EVENT_FILTERS = ("Newexten", "AGIExecStart", "AGIExecEnd", "RTCPSent", "RTCPReceived", "TestEvent",
                  "DeviceStateChange", "ChallengeSent", "SuccessfulAuth")


def _ami_users(s: Settings) -> str:
    """manager.conf's users: one per role; roles that share a login (an explicit ami_secret and no
    secret of their own, see ami_login) share one user holding what each of them needs."""
    users: dict[str, tuple[str, set[str], set[str]]] = {}
    for role in AmiRole:
        login = ami_login(s, role)
        read, write = AMI_PERMISSIONS[role]
        secret, r, w = users.setdefault(login.user, (login.secret, set(), set()))
        if secret != login.secret:
            raise ConfigError(f"AMI user {login.user!r} is given two secrets: give each role its own user, "
                              f"or one secret")
        r |= read
        w |= write
    blocks = []
    for user, (secret, read, write) in users.items():
        lines = [f"[{user}]", f"secret = {secret}", "deny = 0.0.0.0/0.0.0.0", "permit = 127.0.0.1/255.255.255.255",
                 f"read = {','.join(sorted(read))}", f"write = {','.join(sorted(write))}", "writetimeout = 2000"]
        if read:
            lines += [f"eventfilter = !Event: {name}" for name in _EVENT_FILTERS]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def values(s: Settings, layout: Layout) -> dict[str, str]:
    """Every placeholder of the templates (asterisk/*.conf) with its value; ConfigError for settings
    Asterisk cannot be given."""
    _check_extensions(s)
    try:
        softphone = {**_http(s), "softphone_transports": _softphone_transports(s), "rtp_ice": _rtp_ice(s),
                     "agent_endpoints": _endpoints(s)}
    except CertificateError as exc:
        raise ConfigError(str(exc)) from exc
    return {**_directories(s, layout), **_manager_and_queue(s), **softphone, **_dialplan(s)}


def _check_extensions(s: Settings) -> None:
    for ext in s.agents:  # each becomes a dialplan extension, an endpoint and a Dial string
        if not ext.isdigit():
            raise ConfigError(f"agents: an extension is digits, not {ext!r}")
    for ext in s.softphone_supervisors:  # each becomes an endpoint
        if not ext.isdigit() or ext in s.agents:
            raise ConfigError(f"softphone_supervisors: an extension is digits and no agent's, not {ext!r}")
    if s.agent_softphone and s.agent_technology != "pjsip":
        raise ConfigError("agent_softphone needs agent_technology = \"pjsip\": the browser registers as the "
                          "agent's PJSIP endpoint")


def _directories(s: Settings, layout: Layout) -> dict[str, str]:
    return {
        "etc_dir": str(layout.etc),
        "modules_dir": s.asterisk_modules_dir,
        "lib_dir": str(layout.lib),
        "data_dir": str(layout.data),
        "spool_dir": str(layout.spool),
        "run_dir": str(layout.run),
        "log_dir": str(layout.log),
        "cache_dir": str(layout.cache),
        "monitor_dir": str(layout.monitor),
        "moh_dir": str(Path(s.asterisk_data_dir) / "moh"),
    }


def _manager_and_queue(s: Settings) -> dict[str, str]:
    return {
        "ami_host": s.ami_host,
        "ami_port": str(s.ami_port),
        "ami_users": _ami_users(s),
        "sip_port": str(s.sip_port),
        "rtp_start": str(s.rtp_start),
        "rtp_end": str(s.rtp_end),
        "server_id": s.server_id,
        "hotline_number": s.hotline_number,
        "queue_name": s.queue_name,
        "queue_strategy": s.queue_strategy,
        "queue_member_timeout_s": str(s.queue_member_timeout_s),
        "queue_retry_s": str(s.queue_retry_s),
        "queue_timeout_s": str(s.queue_timeout_s),
        "queue_wrapup_s": str(s.queue_wrapup_s),
        "queue_periodic_announce_s": str(max(0, s.queue_periodic_announce_s)),
        "queue_members": _members(s),
    }


def _dialplan(s: Settings) -> dict[str, str]:
    local = s.agent_technology == "local"
    return {
        # a phone agent is reached through [agents-phone] as the queue reaches it, not PJSIP/<ext>
        # directly: a caller transferred to it hears its work number too (R-ANS-GREET)
        # R-ANS-LATE-APOLOGY: the transferred caller's wait starts again at the transfer
        # U(hotline-agent-transfer): the receiving agent's leg transfers onward as a queue call's does
        "agent_transfer_extens": "\n".join(
            f"exten => {ext},1,Set(__{ChanVar.WAIT_FROM}=${{STRFTIME(,,%s.%3q)}})\n"
            f" same => n,Gosub(agents-transfer-consult,s,1({ext}))\n"
            f" same => n,Dial(Local/{ext}@{'agents' if local else 'agents-phone'}/n,60,U(hotline-agent-transfer))\n"
            f" same => n,Hangup()" for ext in s.agents),
        # an agent's phone reaches the other agents as a transfer does: through [agents-phone]
        "agent_phone_extens": "\n".join(f"exten => {ext},1,Goto(agents-phone,{ext},1)" for ext in s.agents),
        # the desk phone's pause key (*46): the queue member of the agent dialling, named as _members does
        "pause_key_member": f"Local/${{PAUSE_AGENT}}@{'agents' if local else 'agents-phone'}/n",
        "record_calls": "1" if s.record_calls else "0",
        "company_name": s.company_name,
        # digits only: whatever an Originate puts in the extension is one number, never a second
        # channel ("&") or Dial options (",")
        "outbound_dial": s.outbound_dial.replace("{number}", "${FILTER(0-9,${EXTEN})}"),
        "callback_ring_s": str(s.callback_ring_s),
        "agi_host": s.agi_host,
        "agi_port": str(s.agi_port),
        "ring_threshold_s": f"{ring_rule(s).threshold_s:g}",  # R-ANS-LATE-APOLOGY, agent connect
    }


def render_text(text: str, vals: dict[str, str], name: str = "<template>") -> str:
    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in vals:
            raise ConfigError(f"{name}: unknown placeholder {{{{{key}}}}}")
        return vals[key]

    return _PLACEHOLDER.sub(sub, text)


def render(s: Settings, templates: Path = TEMPLATES) -> Layout:
    """Write the private configuration and create the private directories; returns the layout."""
    layout = Layout(s.asterisk_dir)
    for d in (layout.etc, layout.run, layout.log, layout.spool, layout.lib, layout.data,
              layout.cache, layout.monitor, layout.log / "cel-custom"):
        d.mkdir(parents=True, exist_ok=True)
    layout.etc.chmod(0o700)
    vals = values(s, layout)
    for tpl in sorted(templates.glob("*.conf")):
        _write_private(layout.etc / tpl.name, render_text(tpl.read_text(encoding="utf-8"), vals, tpl.name))
    _link_data(s, layout)
    return layout


def _write_private(path: Path, text: str) -> None:
    """Written 0600 from its first byte (secrets, agents' SIP passwords): never readable by others,
    not even between a write and a chmod."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file left by an older version keeps its old mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _link_data(s: Settings, layout: Layout) -> None:
    """astdatadir is private so the built ``zh`` prompts sit beside the system's sounds."""
    system = Path(s.asterisk_data_dir)
    sounds = layout.data / "sounds"
    sounds.mkdir(parents=True, exist_ok=True)
    for entry in ("documentation", "moh", "agi-bin", "keys"):
        _symlink(layout.data / entry, system / entry)
    if (system / "sounds").is_dir():
        for lang in (system / "sounds").iterdir():
            if lang.name != "zh":
                _symlink(sounds / lang.name, lang)
    s.sounds_dir.mkdir(parents=True, exist_ok=True)
    _symlink(sounds / "zh", s.sounds_dir)


def _symlink(link: Path, target: Path) -> None:
    if link.is_symlink() and link.readlink() == target:
        return
    if link.is_symlink() or link.exists():
        link.unlink()
    if target.exists():
        link.symlink_to(target)
