"""Who is bridged with whom, as a call's BridgeEnter / BridgeLeave events say so far."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ami_listener.channels import sibling
from ami_listener.reader import Message

AgentOf = Callable[[str | None], str | None]  # ChannelIndex.agent_of


class Bridges:
    """The members of every bridge of one call, updated event by event (:meth:`feed`)."""

    def __init__(self) -> None:
        self.members: dict[str, set[str]] = {}

    def feed(self, e: Message) -> bool:
        """Applies a BridgeEnter / BridgeLeave naming a channel; False for any other event."""
        chan = e.get("Channel")
        if not chan:
            return False
        if e.name == "BridgeEnter":
            self.members.setdefault(e.get("BridgeUniqueid") or "", set()).add(chan)
            return True
        if e.name == "BridgeLeave":
            self.members.get(e.get("BridgeUniqueid") or "", set()).discard(chan)
            return True
        return False

    def with_party(self, party: set[str]) -> Iterator[set[str]]:
        """The bridges someone of ``party`` is in."""
        return (m for m in self.members.values() if m & party)

    def links(self, chan: str, party: set[str]) -> bool:
        """``chan`` (or its Local twin) is in a bridge with ``party`` and someone else."""
        twin = sibling(chan)
        return any((chan in m or twin in m) and m & party and m - party for m in self.members.values())

    def reaches(self, chan: str, party: set[str]) -> bool:
        """``chan`` shares a bridge with someone of ``party``, directly or through Local channels
        (a Local member's phone is bridged with the member's ;2 half, whose ;1 twin is with the caller)."""
        seen = {chan}
        todo = [chan]
        while todo:
            ch = todo.pop()
            for members in self.members.values():
                if ch not in members:
                    continue
                if members & party:
                    return True
                for other in (o for m in members for o in (m, sibling(m)) if o and o not in seen):
                    seen.add(other)
                    todo.append(other)
            twin = sibling(ch)
            if twin and twin not in seen:
                seen.add(twin)
                todo.append(twin)
        return False

    def agent_behind_local(self, chan: str, agent_of: AgentOf) -> str | None:
        """A Local channel in the caller's bridge whose other half is bridged with an agent."""
        twin = sibling(chan)
        for members in self.members.values():
            if twin in members:
                for other in members - {twin}:
                    if agent_of(other):
                        return agent_of(other)
        return None

