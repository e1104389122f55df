"""What is happening now — callers waiting, agents ringing/talking/paused — for the wallboard.

The snapshot (``live_state.data``) is::

    {"queues": {name: {"waiting": [{"call_id", "caller_number", "caller_name", "since"}]}},
     "agents": {member: {"state": "idle|ringing|talking|paused|unavailable", "since", "call_id", "queue"}},
     "gap": bool, "updated": epoch seconds}
"""

from __future__ import annotations

from typing import Any

from ami_listener.reader import Message

# AST_DEVICE_* codes in QueueMemberStatus.Status
_DEVICE_STATE = {"1": "idle", "2": "talking", "3": "talking", "4": "unavailable", "5": "unavailable",
                 "6": "ringing", "7": "ringing", "8": "talking", "0": "idle"}
RELEVANT = {"QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled", "AgentConnect",
            "AgentComplete", "AgentRingNoAnswer", "QueueMemberStatus", "QueueMemberAdded",
            "QueueMemberRemoved", "QueueMemberPause", "QueueEntry", "QueueMember"}


class LiveView:
    def __init__(self) -> None:
        self.queues: dict[str, dict[str, dict[str, Any]]] = {}
        self.agents: dict[str, dict[str, Any]] = {}
        self.gap = False
        self.changed = False

    def feed(self, msg: Message) -> None:
        name = msg.name
        if name not in RELEVANT:
            return
        h = msg.headers
        ts = msg.timestamp
        queue = h.get("Queue") or ""
        lid = h.get("Linkedid") or ""
        if name in ("QueueCallerJoin", "QueueEntry"):
            self.queues.setdefault(queue, {})[lid or h.get("Uniqueid", "")] = {
                "call_id": lid, "caller_number": h.get("CallerIDNum"), "caller_name": h.get("CallerIDName"),
                "since": ts if name == "QueueCallerJoin" else (ts or 0) - float(h.get("Wait") or 0)}
        elif name in ("QueueCallerLeave", "QueueCallerAbandon"):
            self.queues.setdefault(queue, {}).pop(lid, None)
        else:
            member = h.get("MemberName")
            if not member:
                return
            agent = self.agents.setdefault(member, {"state": "idle", "since": ts, "call_id": None, "queue": queue})
            state = agent["state"]
            if name == "AgentCalled":
                state, agent["call_id"] = "ringing", lid
            elif name == "AgentConnect":
                state, agent["call_id"] = "talking", lid
            elif name in ("AgentComplete", "AgentRingNoAnswer"):
                state, agent["call_id"] = "idle", None
            elif name == "QueueMemberRemoved":
                self.agents.pop(member, None)
                self.changed = True
                return
            else:  # QueueMemberStatus / Added / Pause / QueueMember
                state = "paused" if h.get("Paused") == "1" else _DEVICE_STATE.get(h.get("Status") or "1", "idle")
                if state == "talking" and agent["state"] == "ringing":
                    # a Local member's device shows "in use" while it still rings: AgentConnect
                    # (or AgentComplete / AgentRingNoAnswer) decides
                    state = "ringing"
            if state != agent["state"]:
                agent["state"], agent["since"] = state, ts
            agent["queue"] = queue
        self.changed = True

    def reset(self) -> None:
        self.queues.clear()
        self.agents.clear()
        self.changed = True

    def snapshot(self, now: float) -> dict[str, Any]:
        self.changed = False
        return {"queues": {q: {"waiting": sorted(w.values(), key=lambda x: x["since"] or 0)}
                           for q, w in self.queues.items()},
                "agents": self.agents, "gap": self.gap, "updated": now}
