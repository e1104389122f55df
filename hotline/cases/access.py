"""Who may do what to a case, and how a case reads to each role: agents create and edit their
own cases until closed, supervisors (and admins) all, inspectors read with numbers masked
(R-PRIVACY). A closed case is read-only for everyone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.errors import N_, DomainError
from hotline.models.cases import Case
from hotline.privacy import mask_number, sees_numbers
from hotline.vocabulary import CaseStatus, Role

READ_ONLY = (CaseStatus.CLOSED, CaseStatus.REVISITED)


class CaseError(DomainError):
    """A case request that cannot be done (unknown case, bad field, …)."""


class CaseClosedError(CaseError):
    """The case is closed (已办结 / 已回访): it is read-only."""


class CaseAccessError(CaseError):
    """The actor's role does not allow this on this case."""


@dataclass(frozen=True)
class Actor:
    """Who acts: an agent acts as their extension (what calls and tasks name), anyone else by
    user name. The panel builds one from its user: ``Actor(user.agent or user.username, user.role)``."""

    name: str
    role: Role

    @property
    def leads(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)


def is_read_only(case: Case) -> bool:
    return case.status in READ_ONLY


def check_edit(case: Case, actor: Actor) -> None:
    """Raises unless ``actor`` may change ``case`` now (a reopened case is a new matter)."""
    if is_read_only(case):
        raise CaseClosedError(N_("case %(id)s is %(case_status)s: closed cases are read-only"), id=case.id,
                              case_status=case.status)
    if actor.leads:
        return
    if actor.role == Role.AGENT and actor.name in (case.owner, case.created_by):
        return
    raise CaseAccessError(N_("%(role)s %(name)s may not edit case %(id)s"), role=actor.role, name=actor.name,
                          id=case.id)


def check_create(actor: Actor) -> None:
    if actor.role not in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN):
        raise CaseAccessError(N_("%(role)s %(name)s may not open cases"), role=actor.role, name=actor.name)


@dataclass(frozen=True)
class CaseView:
    """A case as one role may read it (numbers masked for inspectors); what the pages render."""

    id: int
    kind: str
    category: str | None
    status: str
    name: str | None
    address: str | None
    number: str | None
    description: str | None
    result: str | None
    first_call_resolved: bool | None
    due_at: datetime | None
    owner: str | None
    created_by: str | None
    created_at: datetime
    closed_at: datetime | None
    complaint_id: int | None
    fault_report_id: int | None
    receipt_due: bool
    receipt_sent_at: datetime | None
    calls: list[tuple[str, str]]  # (server, call_id)
    follow_ups: list[tuple[str, str]]  # (kind, ref)
    read_only: bool
    editable: bool  # by the reader


def case_view(case: Case, actor: Actor | str) -> CaseView:
    """``case`` as ``actor`` (or a bare role) may read it: inspectors see numbers masked."""
    role = actor.role if isinstance(actor, Actor) else Role(actor)
    number = case.number if sees_numbers(role) else mask_number(case.number)
    editable = False
    if isinstance(actor, Actor):
        try:
            check_edit(case, actor)
            editable = True
        except CaseError:
            editable = False
    return CaseView(
        id=case.id, kind=case.kind, category=case.category, status=case.status, name=case.name,
        address=case.address, number=number, description=case.description, result=case.result,
        first_call_resolved=case.first_call_resolved, due_at=case.due_at, owner=case.owner,
        created_by=case.created_by, created_at=case.created_at, closed_at=case.closed_at,
        complaint_id=case.complaint_id, fault_report_id=case.fault_report_id, receipt_due=case.receipt_due,
        receipt_sent_at=case.receipt_sent_at, calls=[(c.server, c.call_id) for c in case.calls],
        follow_ups=[(f.kind, f.ref) for f in case.follow_ups], read_only=is_read_only(case), editable=editable)
