"""The logged-in user (a session, or a bearer token on the JSON API) and the role check every
route declares."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Request, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required
from sqlalchemy.orm import Session

from hotline.models import ROLES, User
from hotline.vocabulary import Role
from web.auth.limiter import LoginLimiter
from web.auth.users import user_for_token
from web.context import db
from web.errors import wants_json
from web.refusal import refuse

login_manager = LoginManager()


class PanelUser(UserMixin):
    def __init__(self, row: User):
        self.id = row.id
        self.username = row.username
        self.role = row.role
        self.agent = row.agent
        self.session_version = row.session_version or 0

    def get_id(self) -> str:
        """What the session cookie holds: the user and the session version it was made under
        (raised on logout, password change and disable: web.auth.users.end_sessions)."""
        return f"{self.id}.{self.session_version}"

    def has(self, *roles: str) -> bool:
        return self.role == Role.ADMIN or self.role in roles


def init_login(app: Flask) -> None:
    s = app.extensions["hotline"]["settings"]
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.extensions["hotline"]["login_limiter"] = LoginLimiter(s.login_window_s, s.login_limiter_max_keys)
    login_manager.user_loader(_load)
    login_manager.request_loader(_from_token)
    login_manager.unauthorized_handler(_unauthorized)


def _load(session_id: str) -> PanelUser | None:
    return user_of_session(db(), session_id)


def user_of_session(session: Session, session_id: str) -> PanelUser | None:
    """The user a session id names, while that session holds: the user active, the version the
    current one (a session from before the upgrade that added versions holds none)."""
    user_id, _, version = session_id.partition(".")
    try:
        row = session.get(User, int(user_id))
        current = int(version) == row.session_version if row is not None else False
    except ValueError:
        return None
    return PanelUser(row) if row is not None and row.active and current else None


def _from_token(req: Request) -> PanelUser | None:
    # bearer tokens are for the JSON API only; pages need a session (and CSRF)
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    row = user_for_token(db(), header[7:].strip())
    return PanelUser(row) if row else None


def _unauthorized() -> Any:
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "text/event-stream":
        return {"error": "login required"}, 401
    if wants_json():  # a desk's or wallboard's button after the session ended: said, not the login page's HTML
        return refuse(401, "login_required", _("Your session has ended: log in again."))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def roles(*allowed: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Login required, and one of these roles (admin may do everything). A name that is no
    role (hotline.vocabulary.Role) is refused when the view is declared, not at the first request."""
    for role in allowed:
        if role not in ROLES:
            raise ValueError(f"roles(): {role!r} is not a role (one of {', '.join(ROLES)})")

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        @login_required
        def wrapper(*a: Any, **kw: Any) -> Any:
            if not current_user.has(*allowed):
                abort(403)
            return fn(*a, **kw)

        return wrapper

    return deco
