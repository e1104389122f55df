"""The steps the capture scenarios are made of (record.py, more.py, ops.py, cti.py): callers placed
into a dialplan, waits for what Asterisk reports of them, and the AMI actions an agent's phone
or another application takes, each its own AMI session as a CTI's would be. A scenario is the
call flow written with them; `standin.py` checks that they drive Asterisk as before."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ami_listener.reader import Message

if TYPE_CHECKING:
    from hotline.pbx.process import Asterisk
    from hotline.settings import Settings
    from tests.support.pbx import EventTap


def _call_id() -> str:
    return f"cap-{uuid.uuid4().hex[:10]}"


class Recorder:
    """One scenario's handle on the private Asterisk (``ast``), its events (``tap``) and settings."""

    def __init__(self, s: Settings, ast: Asterisk, tap: EventTap):
        self.s, self.ast, self.tap = s, ast, tap

    # -- callers ------------------------------------------------------------------------------
    def inbound(self, *, caller: str = "13800000001", name: str = "张三", stay: float = 20,
                agents: Mapping[str, tuple[str, float, float]] | None = None, dtmf: str = "",
                number: str | None = None, **extra: str) -> str:
        """Originates one inbound call; agents = {ext: (mode, ring_s, talk_s)}. Returns its Linkedid."""
        call_id = _call_id()
        variables = {"SIM_STAY": str(stay)}
        if dtmf:
            variables["SIM_DTMF"] = dtmf
        for ext, (mode, ring, talk) in (agents or {}).items():
            variables[f"__SIM_MODE_{ext}"] = mode
            variables[f"__SIM_RING_{ext}"] = str(ring)
            variables[f"__SIM_TALK_{ext}"] = str(talk)
        variables.update(extra)
        inbound = "inbound" if self.s.server_id.startswith("foreign") else "from-pstn"
        with self.ast.ami() as ami:
            ami.originate(f"Local/{number or self.s.hotline_number}@{inbound}", context="sim-caller", exten="s",
                          callerid=f'"{name}" <{caller}>', channel_id=call_id, variables=variables,
                          timeout_s=60)
        return call_id

    def direct_caller(self, number: str, stay: float, *, caller: str, name: str) -> str:
        """A caller whose own channel runs the foreign [inbound] as a trunk channel would: an
        originated Local whose ;1 half dials ``number`` (it rings while the phones do and can give
        up meanwhile; a Local caller running sim-caller, whose ;2 half runs the dialplan, would
        look like a click-to-dial to a Dial()). Returns its Linkedid."""
        call_id = _call_id()
        with self.ast.ami() as ami:
            ami.originate(f"Local/{caller}@sim-pstn/n", context="inbound", exten=number,
                          callerid=f'"{name}" <{caller}>', channel_id=call_id, variables={"SIM_STAY": str(stay)},
                          timeout_s=60)
        return call_id

    def click_to_dial(self, customer: str) -> str:
        """Another application's click-to-dial: a Local chain to agent 8001's phone, into [click]."""
        call_id = _call_id()
        with self.ast.ami() as ami:
            ami.originate("Local/8001@click-agent", context="click", exten=customer, channel_id=call_id,
                          callerid=f'"CRM" <{customer}>', timeout_s=20)
        return call_id

    def callback(self, *, agent: str = "8001", customer: str = "13900000009", agent_mode: str = "answer",
                 agent_ring: float = 1, agent_talk: float = 4, customer_mode: str = "answer",
                 customer_ring: float = 1, customer_talk: float = 3, originate_timeout: float = 6) -> str:
        call_id = _call_id()
        with self.ast.ami() as ami:
            ami.originate(f"Local/{agent}@agents/n", context="hotline-callback", exten=customer,
                          callerid=f'"回访" <{customer}>', channel_id=call_id, timeout_s=originate_timeout,
                          variables={f"SIM_MODE_{agent}": agent_mode, f"SIM_RING_{agent}": str(agent_ring),
                                     f"SIM_TALK_{agent}": str(agent_talk), "__SIM_CUSTOMER": customer_mode,
                                     "__SIM_CUSTOMER_RING": str(customer_ring),
                                     "__SIM_CUSTOMER_TALK": str(customer_talk), "HOTLINE_TASK_ID": "42",
                                     "HOTLINE_AGENT": agent})
        return call_id

    def sip_call(self, hold_s: float) -> None:
        """One call over real SIP from SIPp into the hotline number (endpoint `pstn`, by IP)."""
        import shutil
        import subprocess
        import tempfile

        from tests.support.ports import free_port

        if not shutil.which("sipp"):
            raise SystemExit("sipp is not installed (scripts/install-system.sh installs sip-tester)")
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["sipp", "-sn", "uac", "-s", self.s.hotline_number, f"127.0.0.1:{self.s.sip_port}",
                            "-i", "127.0.0.1", "-p", str(free_port(udp_too=True)), "-m", "1", "-d",
                            str(int(hold_s * 1000)), "-timeout", "60s", "-nostdin"], cwd=tmp,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=90)
        time.sleep(2)  # the last channels are torn down after the BYE

    # -- waits ----------------------------------------------------------------------------------
    def agent_channel(self, call_id: str, agent: str, timeout: float = 20) -> str:
        """The agent's channel in the bridge with the caller, once the agent answered."""
        ev = self.tap.wait_for(lambda m: m.name == "AgentConnect" and m.get("Linkedid") == call_id
                               and m.get("MemberName") == agent, timeout)
        return ev["DestChannel"]

    def caller_channel(self, call_id: str) -> str:
        """The caller's channel, once it joined a queue."""
        ev = self.tap.wait_for(lambda m: m.name == "QueueCallerJoin" and m.get("Linkedid") == call_id)
        return ev["Channel"]

    def dialplan_channel(self, call_id: str) -> str:
        """The half of a direct caller that runs the dialplan (its ;1), once it exists."""
        ev = self.tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Linkedid") == call_id
                               and (m.get("Channel") or "").endswith(";1"), 10)
        return ev["Channel"]

    def dial_answered(self, dest: str, timeout: float = 15, call_id: str | None = None) -> Message:
        """The DialEnd of a leg whose channel starts with ``dest``, answered (of call ``call_id``
        only, when given): Channel the dialling side, DestChannel the answering one."""
        return self.tap.wait_for(lambda m: m.name == "DialEnd"
                                 and (call_id is None or m.get("Linkedid") == call_id)
                                 and m.get("DialStatus") == "ANSWER"
                                 and (m.get("DestChannel") or "").startswith(dest), timeout)

    def ringing(self, call_id: str, timeout: float = 10) -> Message:
        """The caller's Dial() beginning to ring a phone (not an originate's DialBegin, which has
        no Channel): Channel the caller, DestChannel the ringing phone."""
        return self.tap.wait_for(lambda m: m.name == "DialBegin" and m.get("Linkedid") == call_id
                                 and bool(m.get("Channel")), timeout)

    def hung_up(self, prefix: str, timeout: float = 15) -> None:
        """Waits for a channel starting with ``prefix`` to hang up."""
        self.tap.wait_for(lambda m: m.name == "Hangup" and (m.get("Channel") or "").startswith(prefix), timeout)

    def bridged_phone(self, call_id: str, ext: str) -> str:
        """Phone ``ext``'s own channel that last entered a bridge of the call."""
        return next(m["Channel"] for m in reversed(self.tap.events("BridgeEnter"))
                    if m.get("Linkedid") == call_id and (m.get("Channel") or "").startswith(f"PJSIP/{ext}-"))

    def channels_so_far(self) -> int:
        """How many channels Asterisk has reported: ``call_of_phone``'s starting point."""
        return len(self.tap.events("Newchannel"))

    def call_of_phone(self, ext: str, since: int) -> str:
        """The Linkedid of the call phone ``ext`` placed itself after ``since`` channels."""
        return next(m["Linkedid"] for m in self.tap.events("Newchannel")[since:]
                    if (m.get("Channel") or "").startswith(f"PJSIP/{ext}-"))

    def wait_originate_done(self, call_id: str, timeout: float = 30) -> None:
        self.tap.wait_for(lambda m: m.name == "OriginateResponse" and call_id in (m.get("Uniqueid") or ""),
                          timeout)

    def wait_gone(self, *call_ids: str, timeout: float = 60, settle: float = 0) -> None:
        """Waits until each call has hung up everywhere; then ``settle`` s more for its last events."""
        for cid in call_ids:
            self.tap.wait_call_gone(cid, timeout)
        if settle:
            time.sleep(settle)

    # -- what agents' phones and applications ask of Asterisk -------------------------------------
    def blind_transfer(self, channel: str, exten: str, context: str = "transfer") -> None:
        with self.ast.ami() as ami:
            ami.action("BlindTransfer", Channel=channel, Context=context, Exten=exten)

    def attended_transfer(self, channel: str, exten: str, context: str = "transfer") -> None:
        with self.ast.ami() as ami:
            ami.action("Atxfer", Channel=channel, Context=context, Exten=exten)

    def hang_up(self, channel: str) -> None:
        with self.ast.ami() as ami:
            ami.action("Hangup", Channel=channel)

    def redirect(self, channel: str, context: str, exten: str, *, extra: tuple[str, str, str] | None = None) -> None:
        """AMI Redirect of ``channel`` to ``exten@context``, priority 1; ``extra``: a second channel
        redirected with it, (channel, context, exten)."""
        fields: dict[str, Any] = {"Channel": channel, "Context": context, "Exten": exten, "Priority": "1"}
        if extra is not None:
            fields.update(ExtraChannel=extra[0], ExtraContext=extra[1], ExtraExten=extra[2], ExtraPriority="1")
        with self.ast.ami() as ami:
            ami.action("Redirect", **fields)

    def pause_member(self, queue: str, interface: str, paused: bool = True, reason: str | None = None) -> None:
        """QueuePause (``paused`` False: unpause) of one member of ``queue``."""
        fields: dict[str, Any] = {"Queue": queue, "Interface": interface, "Paused": "true" if paused else "false"}
        if reason is not None:
            fields["Reason"] = reason
        with self.ast.ami() as ami:
            ami.action("QueuePause", **fields)

    def add_member(self, queue: str, interface: str, name: str) -> None:
        with self.ast.ami() as ami:
            ami.action("QueueAdd", Queue=queue, Interface=interface, MemberName=name)

    def remove_member(self, queue: str, interface: str) -> None:
        with self.ast.ami() as ami:
            ami.action("QueueRemove", Queue=queue, Interface=interface)

    def phone_into_app(self, channel: str, application: str, data: str, callerid: str) -> None:
        """Rings ``channel`` (a phone, or a Local) and, answered, runs ``application(data)`` on it."""
        with self.ast.ami() as ami:
            ami.originate(channel, application=application, data=data, timeout_s=10, callerid=callerid)

    def phone_into(self, channel: str, context: str, exten: str, callerid: str) -> None:
        """Rings ``channel`` and, answered, sends it to ``exten@context``: the phone dialling it."""
        with self.ast.ami() as ami:
            ami.originate(channel, context=context, exten=exten, timeout_s=10, callerid=callerid)

    # -- app_agent_pool ---------------------------------------------------------------------------
    def agent_login(self, phone: str, agent: str, callerid: str, context: str = "agent-login") -> str:
        """Agent ``agent`` logs in from ``phone`` (a phone dialling ``agent@context``, which runs
        AgentLogin): the phone stays on that call. Returns the login call's Linkedid, once logged in."""
        call_id = _call_id()
        with self.ast.ami() as ami:
            ami.originate(phone, context=context, exten=agent, callerid=callerid, channel_id=call_id, timeout_s=10)
        self.tap.wait_for(lambda m: m.name == "AgentLogin" and m.get("Agent") == agent, 10)
        # the queues see the agent free seconds after the login (about 5 s): a caller queued
        # before then waits that long
        self.tap.wait_for(lambda m: m.name == "QueueMemberStatus" and m.get("StateInterface") == f"Agent:{agent}"
                          and m.get("Status") == "1", 15)
        return call_id

    def agent_logoff(self, agent: str) -> None:
        """AMI AgentLogoff (not soft: the agent's login call is hung up at once)."""
        with self.ast.ami() as ami:
            ami.action("AgentLogoff", Agent=agent)
