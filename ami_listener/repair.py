"""The listener's repair stage: a call it saw only in part (it attached mid-call, AMI dropped) is
rebuilt from Asterisk's CEL and queue_log once it ended, by the backfill's own path
(:func:`ami_listener.backfill.backfill_calls` for that one call). What the stream alone cannot
tell — a caller transferred into a queue again seen from that entry on, a refused caller seen
without its start — CEL has from the call's first channel on. A fact CEL cannot hold on a
foreign dialplan, the QUEUESTATUS of a caller refused at the join, is kept from what was seen."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping

from ami_listener.backfill import backfill_calls
from ami_listener.outcome import QUEUE_STATUS_VAR
from ami_listener.reader import Message
from ami_listener.record import CallRecord
from hotline.asterisk_logs import MAX_CALL_S, log_paths
from hotline.rules import RingRule, internal_numbers
from hotline.settings import Settings

log = logging.getLogger(__name__)


class CelRepair:
    """Completes a call the listener saw only in part (attached mid-call, AMI gap): Asterisk's
    CEL has all of it once it ended. The pipeline's ``repair`` stage."""

    def __init__(self, s: Settings, rules: RingRule | Callable[[], RingRule]):
        """``rules``: the ring rule, or what gives the one in force at each repair (R-ANS-4RINGS:
        a long-running listener repairs with the panel's rule of the moment, not its start-up one)."""
        self.server = s.server_id
        self._rules = rules
        self.internal = internal_numbers(s)
        self.cel, self.queue_log = log_paths(s)

    @property
    def rules(self) -> RingRule:
        return self._rules if isinstance(self._rules, RingRule) else self._rules()

    def __call__(self, rec: CallRecord, members: Mapping[str, str], seen: Iterable[Message] = ()) -> CallRecord | None:
        """``seen``: the call's events the listener saw. Of them, the QUEUESTATUS Queue() left
        goes with CEL's: a foreign dialplan leaves none in CEL (our [hotline-queue] does), and its
        caller refused at the join would come back from CEL alone as one who never queued."""
        since, until, lookback = self._window(rec)
        statuses = [e for e in seen if e.name == "VarSet" and e.get("Variable") == QUEUE_STATUS_VAR]
        try:
            found = backfill_calls(self.cel, self.queue_log, since, until, server=self.server, rules=self.rules,
                                   members=members, skip=set(), only={rec.call_id}, lookback=lookback,
                                   internal=self.internal, statuses={rec.call_id: statuses})
        except Exception:  # keep the incomplete record rather than nothing
            log.exception("completing call %s from CEL failed", rec.call_id)
            return None
        return found[0] if found else None

    @staticmethod
    def _window(rec: CallRecord) -> tuple[float, float, float]:
        """Where the call's end (LINKEDID_END) can be, and how far before that it began: what the
        listener saw of it bounds how much CEL is read (a rebuild repairs calls of any age)."""
        now = time.time()
        if rec.ended_at is not None:
            since, until = rec.ended_at - 600, rec.ended_at + 30
        elif rec.started_at is not None:
            since, until = rec.started_at, min(now, rec.started_at + MAX_CALL_S)
        else:
            since, until = now - 6 * 3600, now
        began = rec.started_at if rec.started_at is not None else since - 6 * 3600
        return since, until, max(0.0, since - began) + 120
