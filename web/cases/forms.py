"""What the case pages read from a request: the list's filters, the form as CaseInput /
CaseChanges, and how a user acts on a case (``actor``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hotline.cases import Actor, CaseChanges, CaseInput
from hotline.models.cases import Case
from hotline.vocabulary import CaseKind, CaseStatus, Role
from web import filters

# 受理 → 处理中 → 已办结 → 已回访 (stored keys; the page shows these words)
STATUS_LABELS: dict[str, tuple[str, str]] = {
    CaseStatus.ACCEPTED: ("受理", "Accepted"), CaseStatus.IN_PROGRESS: ("处理中", "In progress"),
    CaseStatus.CLOSED: ("已办结", "Closed"), CaseStatus.REVISITED: ("已回访", "Revisited"),
}
TEXT_MAX = 4000


def actor(user: Any) -> Actor:
    """An agent acts as their extension (what calls, tasks and case owners name)."""
    return Actor(user.agent or user.username, Role(user.role))


def sees(user: Any, case: Case) -> bool:
    """Agents see the cases they own or opened; every other role sees all (inspectors masked)."""
    if user.role != Role.AGENT:
        return True
    me = actor(user).name
    return me in (case.owner, case.created_by)


def _text(form: Mapping[str, str], key: str) -> str | None:
    v = form.get(key)
    return None if v is None else v.strip()[:TEXT_MAX]


def _yes_no(form: Mapping[str, str], key: str) -> bool | None:
    v = form.get(key)
    return {"1": True, "yes": True, "0": False, "no": False}.get(v or "")


def case_input(form: Mapping[str, str]) -> CaseInput:
    return CaseInput(kind=(form.get("kind") or "").strip(), category=_text(form, "category") or None,
                     description=_text(form, "description"), result=_text(form, "result"),
                     name=_text(form, "name"), address=_text(form, "address"), number=_text(form, "number"),
                     first_call_resolved=_yes_no(form, "first_call_resolved"),
                     complaint_kind=form.get("complaint_kind") or None,
                     owner=_text(form, "owner") or None)


def nothing_entered(got: CaseInput) -> bool:
    """A case form saved as it came, nothing typed or chosen: no number, name, address, category,
    matter or result (the newcomer's walk, 7 December: 保存工单 on an empty form made 工单 #11 of
    nothing — R-REC-FIELDS wants the caller and the matter on the record)."""
    return not any((got.number, got.name, got.address, got.category, got.description, got.result))


def case_changes(form: Mapping[str, str], leads: bool) -> CaseChanges:
    """The edit form: every text field is sent, so each one is a change (empty clears it);
    the owner only from a supervisor's form."""
    status = form.get("status") or None
    return CaseChanges(category=_text(form, "category"), description=_text(form, "description"),
                       result=_text(form, "result"), name=_text(form, "name"), address=_text(form, "address"),
                       number=_text(form, "number"), first_call_resolved=_yes_no(form, "first_call_resolved"),
                       owner=(_text(form, "owner") or None) if leads else None,
                       status=CaseStatus(status) if status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS) else None)


@dataclass
class CaseFilter:
    """The list's filters: ?status= ?kind= ?category= ?owner= ?due=overdue|today ?number=."""

    status: str | None = None
    kind: str | None = None
    category: str | None = None
    owner: str | None = None
    due: str | None = None
    number: str | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> CaseFilter:
        f = cls()
        f.status = _choice(args, "status", [str(s) for s in CaseStatus] + ["open"], f.errors)
        f.kind = _choice(args, "kind", [str(k) for k in CaseKind], f.errors)
        f.category = (args.get("category") or "").strip()[:64] or None
        f.owner = (args.get("owner") or "").strip()[:64] or None
        f.due = _choice(args, "due", ["overdue", "today"], f.errors)
        raw = (args.get("number") or "").strip()
        digits = "".join(ch for ch in raw if ch.isdigit() or ch == "+")[:32]
        if raw and not digits:
            f.errors.append(filters.not_digits("number", raw))
        f.number = digits or None
        return f

    def args(self) -> dict[str, str]:
        return {k: v for k in ("status", "kind", "category", "owner", "due", "number")
                if (v := getattr(self, k))}


def _choice(args: Mapping[str, str], key: str, allowed: list[str], errors: list[str]) -> str | None:
    v = (args.get(key) or "").strip()
    if not v:
        return None
    if v not in allowed:
        errors.append(filters.not_one_of(key, v, allowed))
        return None
    return v
