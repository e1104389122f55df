"""Wiring: settings + database + clock → a FastAGI server running the IVR flows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from hotline.db import open_db
from hotline.settings import Settings
from hotline.timeutil import utcnow
from ivr.flow import Clock, IvrFlows
from ivr.server import AgiServer
from ivr.store import IvrStore


@dataclass
class IvrApp:
    server: AgiServer
    flows: IvrFlows
    store: IvrStore


def build(s: Settings, clock: Clock = utcnow, sessions: sessionmaker[Session] | None = None) -> IvrApp:
    if sessions is None:
        _engine, sessions = open_db(s)
    store = IvrStore(s, sessions)
    flows = IvrFlows(s, store, clock)
    server = AgiServer(flows.routes(), s.agi_host, s.agi_port, s.ivr_agi_read_timeout_s,
                       allowed_peers=s.agi_allowed_peers, max_sessions=s.ivr_max_sessions)
    server.on_close.append(store.drain)  # writes behind the callers still go out
    return IvrApp(server, flows, store)
