"""The login and logout pages."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from hotline.desk import presence
from hotline.models import User
from hotline.vocabulary import AgentPresence
from web.auth.access import PanelUser
from web.auth.limiter import LoginLimiter
from web.auth.users import check_login, end_sessions
from web.context import db, ext, settings
from web.desk.messages import presence_message

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path on this site (an open redirect would help phishing).
    Browsers drop tabs and newlines inside URLs (``/<tab>/evil`` is ``//evil``, another host), treat
    ``\\`` as ``/``, and a newline in a Location header is a 500: any of them, any control or space
    character, or anything with a scheme or host, sends the user home instead."""
    home = url_for("home.index")
    if not target or len(target) > 2000 or not target.startswith("/"):
        return home
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return home
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("auth/login.html")
    s = settings()
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    limiter: LoginLimiter = ext()["login_limiter"]
    ip = request.remote_addr or "?"  # the client's, through web_trusted_proxies (web/security.py)
    key, ip_key = (ip, username.lower()), (ip, "")
    if limiter.blocked(key, s.login_max_failures) or limiter.blocked(ip_key, s.login_ip_max_failures):
        log.warning("login refused (rate limit) for %r from %s", username, ip)
        flash(_("Too many failed logins. Try again later."), "error")
        return render_template("auth/login.html", username=username), 429
    row = check_login(db(), username, password)
    if row is None:
        limiter.failed(key, ip_key)  # a made-up name counts against the address as much as a real one
        log.info("failed login for %r from %s", username, ip)
        flash(_("Wrong user name or password."), "error")
        return render_template("auth/login.html", username=username), 401
    limiter.succeeded(key)
    login_user(PanelUser(row))
    return redirect(safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Ends this session and every other of this user (a copied cookie stops working too). An
    agent leaving the desk is signed out of the queue first (下线), as the hosted centres' workbench
    does on 退出: logged in, the queue would go on ringing a seat nobody watches, and no page
    would pop the call (R-ANS-4RINGS). Until 7 December 退出 left the presence as it was."""
    row = db().get(User, current_user.id)
    unsigned = _sign_out_of_queue(current_user.agent) if current_user.has("agent") and current_user.agent else None
    if row is not None:
        end_sessions(row)
        db().commit()
    logout_user()
    if unsigned:  # said on the login page: the agent may still be rung
        flash(unsigned, "error")
        flash(_("Logged out of the panel, but still signed in to the queue: calls may still ring your phone."),
              "error")
    return redirect(url_for("auth.login"))


def _sign_out_of_queue(agent: str) -> str | None:
    """下线 for ``agent`` (``presence.set_state``, by the agent); what stopped it, or None."""
    r = presence.set_state(settings(), db(), agent, AgentPresence.LOGGED_OUT)
    if r.ok:
        return None
    log.warning("%s logged out of the panel but is still in the queue: %s", agent, r.message)
    return presence_message(r, settings().desk_break_reasons)
