"""What Asterisk says it carried against what the hotline stored: the check every load bench ends
with. Asterisk's own CEL (cel_custom's Master.csv, hotline/asterisk_logs.py) is the ledger: each call
it completed has a LINKEDID_END; the store must hold exactly one record per such call, keyed by
(server, Linkedid)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.asterisk_logs import cel_path, read_cel
from hotline.models import Call
from hotline.settings import Settings


@dataclass
class Ledger:
    completed: set[str]  # Linkedids of the calls Asterisk completed (CEL LINKEDID_END)
    stored: dict[str, int]  # call_id → records stored for this server
    missing: list[str] = field(default_factory=list)
    duplicated: dict[str, int] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)  # stored, but no call Asterisk completed

    def __post_init__(self) -> None:
        self.missing = sorted(c for c in self.completed if self.stored.get(c, 0) == 0)
        self.duplicated = {c: n for c, n in self.stored.items() if n > 1}
        self.extra = sorted(c for c in self.stored if c not in self.completed)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.duplicated

    def line(self) -> str:
        return (f"Asterisk completed {len(self.completed)} calls (CEL LINKEDID_END); records stored "
                f"{sum(self.stored.values())}: missing {len(self.missing)}, duplicated {len(self.duplicated)}, "
                f"stored without a completed call {len(self.extra)}")


def completed_calls(s: Settings, since: float, until: float | None = None,
                    wanted: set[str] | None = None) -> set[str]:
    """Linkedids of the calls that started and ended in [since, until) by Asterisk's CEL; ``wanted``:
    only those (a bench's own calls, when other traffic shares the Asterisk)."""
    done = set(read_cel(cel_path(s), since, until or time.time() + 1, lookback=0.0))
    return done & wanted if wanted is not None else done


def stored_calls(sessions: sessionmaker[Session], server: str) -> dict[str, int]:
    with sessions() as db:
        return dict(db.execute(select(Call.call_id, func.count()).where(Call.server == server)
                               .group_by(Call.call_id)).all())


def reconcile(s: Settings, sessions: sessionmaker[Session], since: float, wanted: set[str] | None = None,
              settle_s: float = 30.0) -> Ledger:
    """The ledger once the store has caught up with Asterisk (the listener writes behind the calls):
    polled until nothing is missing or ``settle_s`` passed."""
    deadline = time.monotonic() + settle_s
    while True:
        ledger = Ledger(completed_calls(s, since, wanted=wanted), stored_calls(sessions, s.server_id))
        if ledger.ok or time.monotonic() > deadline:
            return ledger
        time.sleep(1.0)
