"""``/``: each role lands on its own first page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, url_for
from flask_login import current_user

bp = Blueprint("home", __name__)
# supervisors and admins: the team page
LANDING = {"agent": "agent.home", "inspector": "calls.search", "technician": "field.mine"}


@bp.get("/")
def index() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(LANDING.get(current_user.role, "team.index")))
