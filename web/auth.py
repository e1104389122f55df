"""Login, logout, roles, API tokens and the login rate limit."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from hotline.models import User
from web.context import db, ext, settings
from web.users import check_login, user_for_token

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class PanelUser(UserMixin):
    def __init__(self, row: User):
        self.id = row.id
        self.username = row.username
        self.role = row.role
        self.agent = row.agent

    def get_id(self) -> str:
        return str(self.id)

    def has(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles


class LoginLimiter:
    """Failed logins per (IP, user name) within a sliding window; in memory, per process (the
    panel is one process). Past the limit the password is not even checked."""

    def __init__(self) -> None:
        self._fails: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], window: float) -> deque[float]:
        q = self._fails[key]
        cutoff = time.monotonic() - window
        while q and q[0] < cutoff:
            q.popleft()
        return q

    def blocked(self, key: tuple[str, str], limit: int, window: float) -> bool:
        with self._lock:
            return len(self._recent(key, window)) >= limit

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._fails[key].append(time.monotonic())

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._fails.pop(key, None)


def init(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.extensions["hotline"]["login_limiter"] = LoginLimiter()

    @login_manager.user_loader
    def _load(user_id: str) -> PanelUser | None:
        try:
            row = db().get(User, int(user_id))
        except ValueError:
            return None
        return PanelUser(row) if row is not None and row.active else None

    @login_manager.request_loader
    def _from_token(req: Any) -> PanelUser | None:
        # bearer tokens are for the JSON API only; pages need a session (and CSRF)
        if not req.path.startswith("/api/"):
            return None
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        row = user_for_token(db(), header[7:].strip())
        return PanelUser(row) if row else None

    @login_manager.unauthorized_handler
    def _unauthorized() -> Any:
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "text/event-stream":
            return {"error": "login required"}, 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def roles(*allowed: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Login required, and one of these roles (admin may do everything)."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        @login_required
        def wrapper(*a: Any, **kw: Any) -> Any:
            if not current_user.has(*allowed):
                abort(403)
            return fn(*a, **kw)

        return wrapper

    return deco


def _safe_next(target: str | None) -> str:
    # only local paths: an open redirect after login would help phishing
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html")
    s = settings()
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    limiter: LoginLimiter = ext()["login_limiter"]
    key = (request.remote_addr or "?", username.lower())
    if limiter.blocked(key, s.login_max_failures, s.login_window_s):
        log.warning("login refused (rate limit) for %r from %s", username, key[0])
        flash(_("Too many failed logins. Try again later."), "error")
        return render_template("login.html", username=username), 429
    row = check_login(db(), username, password)
    if row is None:
        limiter.failed(key)
        log.info("failed login for %r from %s", username, key[0])
        flash(_("Wrong user name or password."), "error")
        return render_template("login.html", username=username), 401
    limiter.succeeded(key)
    login_user(PanelUser(row))
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    return redirect(url_for("auth.login"))
