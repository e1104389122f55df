"""The browser softphone's panel side (issue #16): the logged-in agent's SIP credentials, the
Content-Security-Policy that lets a page open the private Asterisk's WebSocket, and a standalone
page (/softphone) holding the phone alone. The desk includes the phone with
``{% include "softphone/_phone.html" %}``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy.orm import Session

from hotline.desk import presence
from hotline.desk.presence import PresenceView
from hotline.pbx import turn
from hotline.settings import Settings
from hotline.vocabulary import AgentPresence, Role
from web.auth.access import roles
from web.context import db, settings
from web.security import CONTENT_SECURITY_POLICY

bp = Blueprint("softphone", __name__)
SOFTPHONE = "softphone"  # ``by`` of the presence changes the softphone's registration makes


def ws_url(s: Settings, host: str) -> str:
    """Where the browser opens SIP over WebSocket: the setting, else the panel's own host name on
    Asterisk's port (wss once TLS is on: a page served over https may not open ws://)."""
    if s.softphone_ws_url:
        return s.softphone_ws_url
    if s.softphone_tls:
        return f"wss://{host}:{s.softphone_https_port}/ws"
    return f"ws://{host}:{s.softphone_http_port}/ws"


def _request_host() -> str:
    return urlsplit("//" + request.host).hostname or "127.0.0.1"


def _my_extension() -> str:
    """The phone is the logged-in user's own: an agent's extension, or a supervisor's listed in
    softphone_supervisors (the wallboard's monitoring rings it); anyone else has none."""
    s = settings()
    ext = getattr(current_user, "agent", None)
    mine = s.agents if current_user.role == Role.AGENT else s.softphone_supervisors
    if not s.agent_softphone or not ext or ext not in mine:
        abort(404)
    return str(ext)


def has_phone() -> bool:
    """For templates: does the logged-in user have a browser phone (a supervisor's wallboard)."""
    s = settings()
    ext = getattr(current_user, "agent", None)
    return bool(s.agent_softphone and ext and current_user.is_authenticated
                and ext in (s.agents if current_user.role == Role.AGENT else s.softphone_supervisors))


@bp.get("/softphone")
@roles("agent", "supervisor")
def page() -> Any:
    _my_extension()
    return render_template("softphone/page.html")


@bp.get("/softphone/credentials")
@roles("agent", "supervisor")
def credentials() -> Response:
    """The agent's SIP password (secrets_dir/sip_<ext>) for the page's registration: only to that
    agent's session, never cached (web.security sends no-store; said again here)."""
    s = settings()
    ext = _my_extension()
    url = ws_url(s, _request_host())
    # ice_servers: the STUN server, and with softphone_turn the TURN server with a credential of
    # this agent's that expires (TURN REST API, hotline.pbx.turn); the page fetches new ones in time
    resp = jsonify(extension=ext, password=s.secret("sip_" + ext), ws_url=url,
                   uri=f"sip:{ext}@{urlsplit(url).hostname}", display_name=ext,
                   ice_servers=turn.ice_servers(s, _request_host(), ext),
                   ice_ttl_s=s.softphone_turn_ttl_s if s.softphone_turn else None)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def follow_registration(s: Settings, session: Session, agent: str, registered: bool) -> PresenceView:
    """The agent's presence follows the softphone: an available agent whose phone is not
    registered (no microphone, connection lost, page closed) is made busy (示忙), so the desk shows
    it and the queue pauses the member; once the phone registers again, a busy the softphone set is
    lifted. An agent's own choices (logged out, busy, a break) and calls in progress are left alone."""
    with presence.serial(s, session, agent):  # a reload's "unregistered" and "registered" race
        cur = presence.current(session, s, agent)
        if not registered and cur.state == AgentPresence.AVAILABLE:
            return presence.set_state(s, session, agent, AgentPresence.BUSY, by=SOFTPHONE).presence
        if registered and cur.state == AgentPresence.BUSY and cur.by == SOFTPHONE:
            return presence.set_state(s, session, agent, AgentPresence.AVAILABLE, by=SOFTPHONE).presence
        return cur


@bp.post("/softphone/registration")
@roles("agent", "supervisor")
def registration() -> Response:
    """The page reports its registration (registered=1|0; CSRF token as for every form). A
    supervisor's phone is in no queue: it has no presence to follow."""
    s, ext = settings(), _my_extension()
    if ext not in s.agents:
        return jsonify(agent=ext, presence=None, by=None)
    view = follow_registration(s, db(), ext, request.form.get("registered") == "1")
    return jsonify(agent=view.agent, presence=view.state.value, by=view.by)


@bp.after_app_request
def allow_websocket(resp: Response) -> Response:
    """connect-src would otherwise be default-src 'self', which forbids the softphone's WebSocket to
    Asterisk's port. Only that one URL is added, and only when softphones are on."""
    s = settings()
    if not s.agent_softphone or not resp.mimetype == "text/html":
        return resp
    url = urlsplit(ws_url(s, _request_host()))
    policy = resp.headers.get("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if "connect-src" not in policy:
        resp.headers["Content-Security-Policy"] = (
            f"{policy}; connect-src 'self' {url.scheme}://{url.netloc}")
    return resp
