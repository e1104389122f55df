"""The service settings in the database: the values in force, a save (all fields checked first,
then written in the caller's one transaction, every change kept) and the history."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import N_, DomainError
from hotline.models.service_settings import ServiceSetting, ServiceSettingChange
from hotline.service_settings.fields import BY_KEY, FIELDS, cross_check
from hotline.settings import Settings

log = logging.getLogger(__name__)


class ValidationFailed(ValueError):
    """Nothing was saved: ``errors`` maps each bad field to what is wrong with it (English: the CLI,
    the log); ``causes`` to the refusal itself, which the panel says in its language (web.reasons)."""

    def __init__(self, causes: dict[str, ValueError]):
        self.causes = causes
        self.errors = {k: str(v) for k, v in causes.items()}
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class Change:
    key: str
    old: Any
    new: Any
    at: datetime
    by: str
    to_file: bool = False  # reverted to the file's value: the key follows hotline.toml again


def _not_editable() -> DomainError:
    return DomainError(N_("not a service setting editable here (deployment settings stay in hotline.toml)"))


def overrides(db: Session) -> dict[str, Any]:
    """The database's values by key. A row this code cannot use (a key no longer editable, a value
    that no longer passes) is logged and left out: the file's value applies."""
    out: dict[str, Any] = {}
    for row in db.scalars(select(ServiceSetting)):
        f = BY_KEY.get(row.key)
        if f is None:
            log.warning("service setting %r in the database is not editable (any more): ignored", row.key)
            continue
        try:
            out[row.key] = f.parse(f.text(json.loads(row.value)))
        except (ValueError, TypeError) as exc:
            log.warning("service setting %r in the database is not valid (%s): the file's value applies", row.key, exc)
    return out


def values(base: Settings, db: Session) -> dict[str, Any]:
    """Every editable field's value in force (the database's, else the file's)."""
    found = overrides(db)
    return {f.key: found.get(f.key, getattr(base, f.key)) for f in FIELDS}


def save(db: Session, base: Settings, texts: dict[str, str], by: str, at: datetime) -> list[Change]:
    """Set fields from their texts (a form, the CLI). Every field is parsed and the whole set
    checked before anything is written; ValidationFailed names every bad field and nothing is
    changed. Unchanged fields write nothing. Commit is the caller's (one transaction)."""
    current = values(base, db)
    errors: dict[str, ValueError] = {}
    parsed: dict[str, Any] = {}
    for key, text in texts.items():
        f = BY_KEY.get(key)
        if f is None:
            errors[key] = _not_editable()
            continue
        try:
            parsed[key] = f.parse(text)
        except ValueError as exc:
            errors[key] = exc
    if not errors:
        errors = {**cross_check({**current, **parsed},
                                base if {"ivr_fault_types", "case_categories"} & parsed.keys() else None)}
    if errors:
        failed = ValidationFailed(errors)
        log.info("service settings not saved (%s): %s", by, failed.errors)
        raise failed
    changes = [Change(k, current[k], v, at, by) for k, v in parsed.items() if v != current[k]]
    for c in changes:
        row = db.get(ServiceSetting, c.key)
        if row is None:
            row = ServiceSetting(key=c.key)
            db.add(row)
        row.value, row.updated_at, row.updated_by = json.dumps(c.new, ensure_ascii=False), at, by
        db.add(ServiceSettingChange(key=c.key, old_value=json.dumps(c.old, ensure_ascii=False),
                                    new_value=json.dumps(c.new, ensure_ascii=False), changed_at=at, changed_by=by))
    db.flush()
    if changes:
        log.info("service settings changed by %s: %s", by, ", ".join(c.key for c in changes))
    return changes


def unset(db: Session, base: Settings, keys: list[str], by: str, at: datetime) -> list[Change]:
    """Revert keys to their file value: their rows go, so they follow ``hotline.toml`` / ``HOTLINE_*``
    again (a later change of the file applies); each kept in the history as a change to the file's
    value. Checked like a save (ValidationFailed, nothing changed); a key with no saved value
    changes nothing. Commit is the caller's."""
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown:
        raise ValidationFailed({k: _not_editable() for k in unknown})
    current = values(base, db)
    rows = [row for k in dict.fromkeys(keys) if (row := db.get(ServiceSetting, k)) is not None]
    file_values = {row.key: getattr(base, row.key) for row in rows}
    errors = cross_check({**current, **file_values},
                         base if {"ivr_fault_types", "case_categories"} & file_values.keys() else None)
    if errors:
        failed = ValidationFailed(dict(errors))
        log.info("service settings not reverted to the file (%s): %s", by, failed.errors)
        raise failed
    changes = [Change(row.key, current[row.key], file_values[row.key], at, by, to_file=True) for row in rows]
    for row in rows:
        db.delete(row)
    for c in changes:
        db.add(ServiceSettingChange(key=c.key, old_value=json.dumps(c.old, ensure_ascii=False),
                                    new_value=json.dumps(c.new, ensure_ascii=False), changed_at=at, changed_by=by,
                                    to_file=True))
    db.flush()
    if changes:
        log.info("service settings reverted to the file by %s: %s", by, ", ".join(c.key for c in changes))
    return changes


def history(db: Session, limit: int = 200, key: str | None = None) -> list[Change]:
    """The changes, newest first."""
    q = select(ServiceSettingChange).order_by(ServiceSettingChange.changed_at.desc(), ServiceSettingChange.id.desc())
    if key is not None:
        q = q.where(ServiceSettingChange.key == key)
    return [Change(r.key, json.loads(r.old_value), json.loads(r.new_value), r.changed_at, r.changed_by, r.to_file)
            for r in db.scalars(q.limit(limit))]
