"""Panel users: creation, password checks, passwords changed, accounts disabled, sessions ended,
API tokens made, expired and revoked (used by the CLI and the login page)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.models import ROLES, ApiToken, User
from hotline.timeutil import utcnow
from hotline.vocabulary import Role


class UserError(ValueError):
    pass


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise UserError("password must have at least 8 characters")


def add_user(db: Session, username: str, role: str, password: str, agent: str | None = None) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise UserError("user name must be 1–64 characters")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if role == Role.AGENT and not agent:
        raise UserError("an agent user needs --agent EXTENSION")
    _check_password(password)
    if db.scalar(select(User).where(User.username == username)):
        raise UserError(f"user {username!r} exists")
    user = User(username=username, role=role, agent=agent or None,
                password_hash=generate_password_hash(password), active=True, created_at=utcnow())
    db.add(user)
    db.commit()
    return user


# Checked against when the user does not exist, so a wrong name costs the same time as a wrong
# password (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not-a-password")


def check_login(db: Session, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def find_user(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def end_sessions(user: User) -> None:
    """Every session of this user made so far stops logging in (the session id carries the
    version: web.auth.access)."""
    user.session_version = (user.session_version or 0) + 1


def set_password(db: Session, username: str, password: str) -> User:
    """A new password; every session opened with the old one ends."""
    _check_password(password)
    user = find_user(db, username)
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    db.commit()
    return user


def set_active(db: Session, username: str, active: bool) -> User:
    """Disable (sessions end at once, tokens stop working) or enable again."""
    user = find_user(db, username)
    user.active = active
    if not active:
        end_sessions(user)
    db.commit()
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(db: Session, user: User, name: str | None = None, days: int = 0) -> str:
    """A new token, valid ``days`` days (0: until revoked); only its sha256 is kept."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(ApiToken(user_id=user.id, token_sha256=token_digest(token), name=name, created_at=now,
                    expires_at=now + timedelta(days=days) if days > 0 else None))
    db.commit()
    return token


def tokens_of(db: Session, user: User) -> list[ApiToken]:
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_tokens(db: Session, username: str, token_id: int | None = None) -> int:
    """Revoke one of the user's tokens (``token_id``) or all of them; how many were revoked."""
    user = find_user(db, username)
    rows = [t for t in tokens_of(db, user) if not t.revoked and token_id in (None, t.id)]
    if token_id is not None and not rows:
        raise UserError(f"user {username!r} has no live token {token_id}")
    for t in rows:
        t.revoked = True
    db.commit()
    return len(rows)


def user_for_token(db: Session, token: str) -> User | None:
    row = db.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_digest(token),
                                           ApiToken.revoked.is_(False)))
    if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = utcnow()
    db.commit()
    return user
