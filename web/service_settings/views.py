"""Service settings (``/admin/settings``, role admin): the service rules and the operator's lists,
grouped, with an error under each bad field (nothing is saved then) and the history of changes.
Saving goes through hotline.service_settings; every service applies it within seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline import cases
from hotline import service_settings as svc
from hotline.service_settings.store import overrides
from hotline.vocabulary import CaseKind
from web.auth.access import roles
from web.context import db, file_settings, session_factory, settings
from web.reasons import reason

bp = Blueprint("service_settings", __name__)


@dataclass(frozen=True)
class Row:
    """One field on the form: its text (as entered after a refused save), the file's text, its error."""

    field: svc.Field
    text: str
    file_text: str
    error: str | None
    saved: bool  # the panel's value (else the file's): it can be reverted to the file's


def _rows(current: dict[str, Any], entered: dict[str, str], errors: dict[str, ValueError]) -> dict[str, list[Row]]:
    base = file_settings()
    saved = overrides(db())
    groups: dict[str, list[Row]] = {g: [] for g in svc.GROUPS}
    for f in svc.FIELDS:
        text = entered.get(f.key, f.text(current[f.key]))
        groups[f.group].append(Row(f, text, f.display(getattr(base, f.key)), _said(errors.get(f.key)),
                                   f.key in saved))
    return groups


def _said(error: ValueError | None) -> str | None:
    """A field's refusal in the page's language."""
    return None if error is None else reason(error)


def _fault_keys() -> list[tuple[int, str, str]]:
    """The IVR's fault keys as the caller hears them: (key, category key, its label). The field
    holds category keys (stable, stored on cases); an admin who reads Chinese needs their names."""
    s = settings()
    try:
        named = cases.tree(s)[CaseKind.REPAIR].categories
    except cases.CategoryError:  # a bad categories file is said by the categories' own check
        named = {}
    return [(n, key, named.get(key, "")) for n, key in enumerate(s.ivr_fault_types, 1)]


@bp.route("/admin/settings", methods=["GET", "POST"])
@roles("admin")
def index() -> Any:
    entered: dict[str, str] = {}
    errors: dict[str, ValueError] = {}
    if request.method == "POST":
        current = svc.values(file_settings(), db())
        # only what the form changed is saved: a field left as shown keeps following the file
        entered = {f.key: request.form.get(f.key, "") for f in svc.FIELDS if f.key in request.form}
        changed = {k: v for k, v in entered.items() if _norm(v) != _norm(svc.BY_KEY[k].text(current[k]))}
        try:
            done = svc.save(db(), file_settings(), changed, current_user.username, datetime.now(UTC))
            db().commit()
        except svc.ValidationFailed as exc:
            db().rollback()
            errors = exc.causes
            flash(_("Nothing saved: %(n)s field(s) to correct.", n=len(errors)), "error")
        else:
            svc.forget(session_factory())
            flash(_("Saved %(n)s change(s): every service applies them within seconds.", n=len(done)), "ok")
            return redirect(url_for("service_settings.index"))
    current = svc.values(file_settings(), db())
    return render_template("service_settings/index.html", groups=_rows(current, entered, errors),
                           titles=svc.GROUPS, changes=svc.history(db()), fields=svc.BY_KEY,
                           fault_keys=_fault_keys()), 400 if errors else 200


@bp.route("/admin/settings/unset/<key>", methods=["POST"])
@roles("admin")
def unset(key: str) -> Any:
    """A field's "revert to the file value" button (the rest of the form is not saved by it)."""
    try:
        done = svc.unset(db(), file_settings(), [key], current_user.username, datetime.now(UTC))
        db().commit()
    except svc.ValidationFailed as exc:
        db().rollback()
        flash(_("Not reverted: %(why)s", why="; ".join(reason(e) for e in exc.causes.values())), "error")
    else:
        svc.forget(session_factory())
        if done:
            flash(_("Reverted to the file value: every service applies it within seconds."), "ok")
    return redirect(url_for("service_settings.index"))


def _norm(text: str) -> str:
    """Line endings and blank lines of a textarea do not make a change."""
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())
