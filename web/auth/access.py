"""The logged-in user (a session, or a bearer token on the JSON API) and the role check every
route declares."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Request, abort, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required

from hotline.models import User
from web.auth.limiter import LoginLimiter
from web.auth.users import user_for_token
from web.context import db

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


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.extensions["hotline"]["login_limiter"] = LoginLimiter()
    login_manager.user_loader(_load)
    login_manager.request_loader(_from_token)
    login_manager.unauthorized_handler(_unauthorized)


def _load(user_id: str) -> PanelUser | None:
    try:
        row = db().get(User, int(user_id))
    except ValueError:
        return None
    return PanelUser(row) if row is not None and row.active else None


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
