"""app_agent_pool's login calls, for the tracker (captures foreign_agents_*).

An agent logs in by calling ``AgentLogin(<id>)`` and stays on that call for the whole session; a
queue's member (a Local channel into ``AgentRequest(<id>)``) hands each caller to that held
channel. Bridged with it, the caller's channels take the login call's Linkedid (the older one),
so by Linkedid every call the agent takes would become part of the agent's session, and the
session a copy of each. :class:`AgentLogins` says where such events belong instead: a caller's
channel stays in the call it began in, and the agent's own channel, while it is bridged with a
caller, is seen by that caller's call too (who answered, who hung up). The login call itself is
no call into the hotline: the builder says it serves none (``builder._serves``).
"""

from __future__ import annotations

from collections.abc import Container, Mapping

from ami_listener.channels import POOL_BRIDGE
from ami_listener.reader import Message


class AgentLogins:
    """The login channels now logged in, the Linkedids they carry and the calls they are bridged with."""

    def __init__(self) -> None:
        # login channel Uniqueid → its AgentLogin event (else its first in the agent's holding bridge)
        self.channels: dict[str, Message] = {}
        self._own: dict[str, str] = {}  # login channel → its own call (the session), where its events go
        self._carried: dict[str, str] = {}  # login channel → the Linkedid Asterisk gives it now
        self.carried: set[str] = set()  # those Linkedids
        self.serving: dict[str, str] = {}  # login channel → the call it is bridged with
        self._bridges: dict[str, str] = {}  # bridge → the call of the first channel in it (not a login's)

    def home(self, lid: str, uid: str | None, uid_call: Mapping[str, str], open_calls: Container[str]) -> str:
        """The call an event Asterisk filed under ``lid`` belongs to. A login channel's: its own
        session's, whatever Linkedid it took (an agent who logs in while a caller waits takes the
        caller's, the older one: capture foreign_agents_login_while_waiting). Another channel's
        that carries a login channel's Linkedid: the call it began in; one that names no channel
        known (a thin event) once the call of that Linkedid is over: the session's."""
        if uid:
            own = self._own.get(uid)
            if own is not None:
                return own
        if lid in self.carried:
            if uid and uid in uid_call:
                return uid_call[uid]
            if lid not in open_calls:
                return next(self._own[u] for u, carried in self._carried.items() if carried == lid)
        return lid

    def seen(self, msg: Message, lid: str) -> str | None:
        """Learns from an event filed under ``lid``; returns the call that also gets it (the one
        whose caller the event's login channel is bridged with), else None."""
        h = msg.headers
        uid = h.get("Uniqueid") or ""
        name = msg.name
        if uid and uid not in self.channels and (name in ("AgentLogin", "AgentLogoff")
                                                 or h.get("BridgeCreator") == POOL_BRIDGE):
            # logged in; or, for a stream that began after the login, its channel seen in the
            # agent's holding bridge (at the latest when it is given a call)
            self.channels[uid] = msg
            self._own[uid] = lid
            self._carry(uid, h.get("Linkedid") or lid)
            return None
        if uid not in self.channels:
            # every bridge's first call: a login channel may be known only once it enters one
            if name == "BridgeEnter" and h.get("BridgeTechnology") != "holding_bridge":
                self._bridges.setdefault(h.get("BridgeUniqueid") or "", lid)
            return None
        carried = h.get("Linkedid")
        if carried and carried != self._carried.get(uid):
            self._carry(uid, carried)
        if name == "BridgeEnter":
            into = self._bridges.get(h.get("BridgeUniqueid") or "")
            if into is None or into == lid:  # back in its holding bridge: serving nobody
                self.serving.pop(uid, None)
            else:
                self.serving[uid] = into
        served = self.serving.get(uid)
        if name in ("AgentLogoff", "Hangup"):
            # the channel is forgotten with its session (finished): the Linkedid it carried may
            # still name late events (CEL LINKEDID_END)
            self.serving.pop(uid, None)
        return served

    def _carry(self, uid: str, lid: str) -> None:
        self._carried[uid] = lid
        self.carried = set(self._carried.values())

    def _forget(self, uid: str) -> None:
        for table in (self.channels, self._own, self._carried, self.serving):
            table.pop(uid, None)
        self.carried = set(self._carried.values())

    def bridge_gone(self, bridge: str) -> None:
        """A bridge destroyed: forgotten here (a bridge whose first call was merged or moved into
        another is never forgotten with that call's end)."""
        self._bridges.pop(bridge, None)

    def login_event(self, uid: str) -> Message | None:
        """What tells a served call that a channel is an agent's login channel (its AgentLogin,
        else its holding bridge: ``ChannelIndex``)."""
        return self.channels.get(uid)

    def finished(self, call_id: str) -> None:
        """Call ``call_id`` was handed on: nothing waits for it any more (a login call finished
        with its channel's Hangup lost in a gap forgets that channel)."""
        for uid in [u for u, c in self._own.items() if c == call_id]:
            self._forget(uid)
        for uid in [u for u, c in self.serving.items() if c == call_id]:
            del self.serving[uid]
        for bridge in [b for b, c in self._bridges.items() if c == call_id]:
            del self._bridges[bridge]
