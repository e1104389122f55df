"""The queue member an agent is, and the AMI actions that add, remove and pause it.

The interface is the one the dialplan expects (asterisk/extensions.conf): ``Local/<ext>@agents/n``
for simulated agents, ``Local/<ext>@agents-phone/n`` with the phone ``PJSIP/<ext>`` as state
interface for real phones (the same rule as the static members hotline/pbx/config.py writes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.pbx.ami import Ami, AmiError
from hotline.settings import Settings

# the pause reason of a static member whose agent logged out (it cannot leave the queue)
LOGGED_OUT_REASON = "logged-out"


@dataclass(frozen=True)
class Member:
    agent: str
    interface: str
    state_interface: str | None


@dataclass(frozen=True)
class MemberStatus:
    """One member as ``QueueStatus`` shows it."""

    agent: str
    interface: str
    state_interface: str
    paused: bool
    reason: str
    dynamic: bool
    in_call: bool
    status: int  # Asterisk's device state (1 not in use, 2 in use, 6 ringing, 5 unavailable, …)


def member(s: Settings, agent: str) -> Member:
    if not agent.isdigit():
        raise ValueError(f"an agent is an extension number, not {agent!r}")
    if s.agent_technology == "pjsip":
        return Member(agent, f"Local/{agent}@agents-phone/n", f"PJSIP/{agent}")
    return Member(agent, f"Local/{agent}@agents/n", None)


def add(ami: Ami, s: Settings, agent: str) -> None:
    """QueueAdd, unpaused. A member already there — a static member of queues.conf (which 签出
    paused, see :func:`remove`), or one the PBX kept — is unpaused: in the queue either way, and
    available."""
    m = member(s, agent)
    fields: dict[str, Any] = {"Queue": s.queue_name, "Interface": m.interface, "MemberName": agent, "Paused": "false"}
    if m.state_interface:
        fields["StateInterface"] = m.state_interface
    try:
        ami.action("QueueAdd", **fields)
    except AmiError as exc:
        if "already there" not in str(exc).lower():
            raise
        pause(ami, s, agent, False)


def remove(ami: Ami, s: Settings, agent: str) -> None:
    """QueueRemove. A member already gone is fine. A static member (queues.conf: the private
    Asterisk's agents, or an operator's own) cannot leave the queue ("Member not dynamic"): it is
    paused with the reason ``logged-out`` instead, so nothing rings an agent who logged out."""
    try:
        ami.action("QueueRemove", Queue=s.queue_name, Interface=member(s, agent).interface)
    except AmiError as exc:
        text = str(exc).lower()
        if "not dynamic" in text:
            pause(ami, s, agent, True, LOGGED_OUT_REASON)
        elif "not there" not in text:
            raise


def pause(ami: Ami, s: Settings, agent: str, paused: bool, reason: str = "") -> None:
    fields: dict[str, Any] = {"Queue": s.queue_name, "Interface": member(s, agent).interface,
              "Paused": "true" if paused else "false"}
    if reason:
        fields["Reason"] = reason
    ami.action("QueuePause", **fields)


def status(ami: Ami, s: Settings) -> dict[str, MemberStatus]:
    """The queue's members by agent (MemberName), from ``QueueStatus``."""
    out: dict[str, MemberStatus] = {}
    for ev in ami.list_action("QueueStatus", "QueueStatusComplete", Queue=s.queue_name):
        if ev.get("Event") != "QueueMember" or ev.get("Queue") != s.queue_name:
            continue
        name = ev.get("Name") or ev.get("MemberName") or ""
        out[name] = MemberStatus(
            agent=name, interface=ev.get("Location") or ev.get("Interface") or "",
            state_interface=ev.get("StateInterface") or "",
            paused=ev.get("Paused") == "1", reason=ev.get("PausedReason") or "",
            dynamic=(ev.get("Membership") or "") == "dynamic", in_call=ev.get("InCall") == "1",
            status=int(ev.get("Status") or 0))
    return out
