"""The login and logout pages."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from hotline.models import User
from web.auth.access import PanelUser
from web.auth.limiter import LoginLimiter
from web.auth.users import check_login, end_sessions
from web.context import db, ext, settings

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
    """Ends this session and every other of this user (a copied cookie stops working too)."""
    row = db().get(User, current_user.id)
    if row is not None:
        end_sessions(row)
        db().commit()
    logout_user()
    return redirect(url_for("auth.login"))
