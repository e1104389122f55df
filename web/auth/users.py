"""Panel users: creation, password checks, API tokens (used by the CLI and the login page)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.models import ROLES, ApiToken, User
from hotline.timeutil import utcnow


class UserError(ValueError):
    pass


def add_user(db: Session, username: str, role: str, password: str, agent: str | None = None) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise UserError("user name must be 1–64 characters")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if role == "agent" and not agent:
        raise UserError("an agent user needs --agent EXTENSION")
    if len(password) < 8:
        raise UserError("password must have at least 8 characters")
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


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(db: Session, user: User, name: str | None = None) -> str:
    token = secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, token_sha256=token_digest(token), name=name, created_at=utcnow()))
    db.commit()
    return token


def user_for_token(db: Session, token: str) -> User | None:
    row = db.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_digest(token),
                                           ApiToken.revoked.is_(False)))
    if row is None:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = utcnow()
    db.commit()
    return user
