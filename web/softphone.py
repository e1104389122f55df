"""The browser softphone's panel side (issue #16): the logged-in agent's SIP credentials, the
Content-Security-Policy that lets a page open the private Asterisk's WebSocket, and a standalone
page (/softphone) holding the phone alone. The desk includes the phone with
``{% include "softphone/_phone.html" %}``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import current_user

from hotline.settings import Settings
from web.auth.access import roles
from web.context import settings
from web.security import CONTENT_SECURITY_POLICY

bp = Blueprint("softphone", __name__)


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
    """The phone is the logged-in agent's own: an admin or supervisor without an extension has none."""
    s = settings()
    ext = getattr(current_user, "agent", None)
    if not s.agent_softphone or not ext or ext not in s.agents:
        abort(404)
    return str(ext)


@bp.get("/softphone")
@roles("agent")
def page() -> Any:
    _my_extension()
    return render_template("softphone/page.html")


@bp.get("/softphone/credentials")
@roles("agent")
def credentials() -> Response:
    """The agent's SIP password (secrets_dir/sip_<ext>) for the page's registration: only to that
    agent's session, never cached (web.security sends no-store; said again here)."""
    s = settings()
    ext = _my_extension()
    url = ws_url(s, _request_host())
    resp = jsonify(extension=ext, password=s.secret("sip_" + ext), ws_url=url,
                   uri=f"sip:{ext}@{urlsplit(url).hostname}", display_name=ext,
                   ice_servers=[{"urls": "stun:" + s.softphone_stun_server}] if s.softphone_stun_server else [])
    resp.headers["Cache-Control"] = "no-store"
    return resp


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
