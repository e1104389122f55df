"""The HOTLINE_* facts of the calls up at a listener reconnect, read from their callers' channels.

The live view collects a call's facts — the IVR's path (menu choice, fault report, ticket, VIP),
the wait's start — from the VarSets the IVR and the dialplan send while it follows the call. A
listener that reconnects mid-call missed those, and CoreShowChannels carries no variable (manager.conf
names no ``channelvars``): until 7 December the pop rebuilt then showed the caller without its
IVR path. So the re-sync asks the caller's channel (``live_legs.caller_rows``; for an agent's own
dial its first channel, whose HOTLINE_AGENT names the desk's: ``first_channels``) for each fact with
AMI ``Getvar`` (class reporting, the listener's; Asterisk 16's ``Status`` would say them in one
answer, as repeated ``Variable`` headers the AMI client keeps only the last of). The re-sync runs
on the listener's worker, which reads no event meanwhile: the reading stops at ``budget_s`` (the
calls not reached keep no facts, as before) — each Getvar is a round trip on the same host."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence

from ami_listener.live_legs import caller_rows, first_channels
from hotline.chanvars import ChanVar
from hotline.pbx.ami import Ami, AmiError

log = logging.getLogger(__name__)

# every variable the live view keeps of a call (a HOTLINE_* VarSet, ``LiveView._call_fact``)
FACTS = tuple(v for v in ChanVar if v.value.startswith("HOTLINE_"))
BUDGET_S = 2.0  # the re-sync's reading of facts, at most (some 35 round trips a call)


def read(ami: Ami, rows: Sequence[Mapping[str, str]], budget_s: float = BUDGET_S,
         clock: Callable[[], float] = time.monotonic) -> dict[str, dict[str, str]]:
    """The facts of each call among ``rows`` (CoreShowChannels'): Linkedid → variable → value, the
    unset ones left out. A channel gone meanwhile (its call ended) is no error: no facts."""
    channels = {d.call_id: d.channel for d in first_channels(rows)}  # an agent's own dial: the desk's agent
    channels.update({lid: row.get("Channel") or "" for lid, row in caller_rows(rows).items()})
    deadline = clock() + budget_s
    facts: dict[str, dict[str, str]] = {}
    for lid, channel in channels.items():
        values: dict[str, str] = {}
        try:
            for var in FACTS:
                if clock() >= deadline:  # a call half read is not kept: a pop says all or nothing
                    log.warning("re-sync: the facts of %d of %d calls not read within %.1f s (their pops "
                                "lack the IVR's path)", len(channels) - len(facts), len(channels), budget_s)
                    return facts
                values[var.value] = ami.action("Getvar", Channel=channel, Variable=var.value).get("Value") or ""
        except AmiError as exc:  # hung up since CoreShowChannels (No such channel)
            log.info("re-sync: facts of call %s not read: %s", lid, exc)
            continue
        facts[lid] = {k: v for k, v in values.items() if v}
    return facts
