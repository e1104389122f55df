"""``hotline callbacks …``: list, dial, consult, complaint, complaint-update, revisit, outcome,
cancel, escalations — the callback tasks by hand (the scheduler makes and watches them)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    """``hotline callbacks <verb>``: one argparse parser per verb, listed flat — long, but each
    verb's arguments read in one place."""
    p = sub.add_parser("callbacks", help="callback tasks: list, dial, record consultations and complaints")
    cb = p.add_subparsers(dest="callback_command", metavar="ACTION", required=True)

    q = cb.add_parser("list", help="open tasks, most urgent first")
    q.add_argument("--agent", help="only this agent's tasks and tasks anyone may take")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_list)

    q = cb.add_parser("dial", help="ring the agent, then the task's customer (click-to-call)")
    q.add_argument("task", type=int)
    q.add_argument("--agent", required=True, help="agent extension, e.g. 8001")
    q.add_argument("--force", action="store_true", help="dial even before the task's window or retry spacing")
    q.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="extra channel variable")
    q.set_defaults(func=_dial)

    q = cb.add_parser("consult", help="R-CONSULT-24H: a question not answered on the spot")
    q.add_argument("number")
    q.add_argument("--agent")
    q.add_argument("--call", help="the call's id (Linkedid)")
    q.add_argument("--note")
    q.set_defaults(func=_consult)

    q = cb.add_parser("complaint", help="R-COMPLAINT: record a complaint (starts its clocks)")
    q.add_argument("number")
    q.add_argument("--kind", choices=["general", "complex"], default="general")
    q.add_argument("--category")
    q.add_argument("--summary")
    q.add_argument("--call")
    q.add_argument("--by")
    q.set_defaults(func=_complaint)

    q = cb.add_parser("complaint-update", help="stop a complaint's clocks")
    q.add_argument("complaint", type=int)
    q.add_argument("--contacted", action="store_true")
    q.add_argument("--resolved", action="store_true", help="solved (general) / progress reported (complex)")
    q.add_argument("--closed", action="store_true")
    q.set_defaults(func=_complaint_update)

    q = cb.add_parser("revisit", help="R-FAULT-REVISIT: record a revisit's outcome")
    q.add_argument("task", type=int)
    q.add_argument("--fixed", choices=["yes", "no"])
    q.add_argument("--satisfied", choices=["yes", "no"])
    q.add_argument("--note")
    q.set_defaults(func=_revisit)

    q = cb.add_parser("outcome", help="the agent's word on an attempt (wrong_number, busy, …)")
    q.add_argument("attempt", type=int)
    q.add_argument("outcome", choices=["reached", "no_answer", "busy", "wrong_number"])
    q.add_argument("--note")
    q.set_defaults(func=_outcome)

    q = cb.add_parser("cancel", help="cancel a task")
    q.add_argument("task", type=int)
    q.add_argument("--note")
    q.set_defaults(func=_cancel)

    q = cb.add_parser("held", help="tasks outside the dialling policy, waiting for a supervisor")
    q.set_defaults(func=_held)

    q = cb.add_parser("approve", help="a supervisor lets a held task be dialled")
    q.add_argument("task", type=int)
    q.add_argument("--by", required=True, help="the approving supervisor")
    q.set_defaults(func=_approve)

    q = cb.add_parser("escalations", help="escalations not yet acknowledged")
    q.add_argument("--ack", type=int, metavar="ID", help="acknowledge this one")
    q.add_argument("--by", default="cli")
    q.set_defaults(func=_escalations)
    for verb in cb.choices.values():  # every verb goes by the callback rules in force (the panel's, #18)
        verb.set_defaults(func=_in_force(verb.get_default("func")))


def _in_force(verb: Callable[[Settings, argparse.Namespace], int]) -> Callable[[Settings, argparse.Namespace], int]:
    from hotline.service_settings import in_force

    return lambda s, args: verb(in_force(s), args)


def _db(s: Settings) -> sessionmaker[Session]:
    from hotline.db import open_db

    return open_db(s)[1]


def _run(s: Settings, fn: Callable[[Session], str | None]) -> int:
    from hotline.callbacks import CallbackError

    sessions = _db(s)
    with sessions() as db:
        try:
            out = fn(db)
            db.commit()
        except CallbackError as exc:
            print(f"hotline callbacks: {exc}", file=sys.stderr)
            return 1
    if out is not None:
        print(out)
    return 0


def _yn(v: str | None) -> bool | None:
    return None if v is None else v == "yes"


def _list(s: Settings, args: argparse.Namespace) -> int:
    from hotline.callbacks import open_tasks, task_dict

    def f(db: Session) -> str:
        rows = [task_dict(t, s.timezone) for t in open_tasks(db, args.agent)]
        if args.json:
            return json.dumps(rows, ensure_ascii=False, indent=1)
        lines = [f"{'id':>5} {'reason':9} {'number':15} {'due':29} {'owner':6} {'status':11} tries"]
        for r in rows:
            flag = " OVERDUE" if r["overdue"] else ""
            lines.append(f"{r['id']:>5} {r['reason']:9} {r['number']:15} {r['due_at']:29} {r['owner'] or '-':6} "
                         f"{r['status']:11} {len(r['attempts'])}{flag}")
        return "\n".join(lines)
    return _run(s, f)


def _dial(s: Settings, args: argparse.Namespace) -> int:
    from hotline.callbacks import dial

    extra: dict[str, str] = {}
    for item in args.var:
        name, sep, value = item.partition("=")
        if not sep or not name:
            print(f"hotline callbacks: --var wants NAME=VALUE, not {item!r}", file=sys.stderr)
            return 2
        extra[name] = value

    def f(db: Session) -> str:
        a = dial(s, db, args.task, args.agent, variables=extra, force=args.force)
        return f"attempt {a.id}: call {a.call_id} (agent {a.agent} rings first)"
    return _run(s, f)


def _consult(s: Settings, args: argparse.Namespace) -> int:
    from hotline.callbacks import mark_consultation

    def f(db: Session) -> str:
        t = mark_consultation(db, s, args.number, agent=args.agent, call_id=args.call, note=args.note)
        return f"task {t.id} due {t.due_at.isoformat()}"
    return _run(s, f)


def _complaint(s: Settings, args: argparse.Namespace) -> int:
    from hotline.callbacks import create_complaint

    def f(db: Session) -> str:
        c = create_complaint(db, s, args.number, kind=args.kind, summary=args.summary, category=args.category,
                             call_id=args.call, created_by=args.by)
        clock = "solution" if c.kind == "general" else "progress"
        return f"complaint {c.id}: contact by {c.contact_due.isoformat()}, {clock} by {c.resolve_due.isoformat()}"
    return _run(s, f)


def _complaint_update(s: Settings, args: argparse.Namespace) -> int:
    from hotline.callbacks import update_complaint

    def f(db: Session) -> None:
        update_complaint(db, args.complaint, contacted=args.contacted, resolved=args.resolved, closed=args.closed)
    return _run(s, f)


def _revisit(s: Settings, args: argparse.Namespace) -> int:
    from hotline.callbacks import record_revisit

    def f(db: Session) -> None:
        record_revisit(db, args.task, fixed=_yn(args.fixed), satisfied=_yn(args.satisfied), note=args.note)
    return _run(s, f)


def _outcome(s: Settings, args: argparse.Namespace) -> int:
    from hotline.callbacks import record_outcome

    def f(db: Session) -> None:
        record_outcome(s, db, args.attempt, args.outcome, args.note)
    return _run(s, f)


def _cancel(s: Settings, args: argparse.Namespace) -> int:
    from hotline.callbacks import cancel_task

    def f(db: Session) -> None:
        cancel_task(db, args.task, args.note)
    return _run(s, f)


def _held(s: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from hotline.callbacks.tasks import HELD
    from hotline.models.callbacks import CallbackTask

    def rows(db: Session) -> str | None:
        held = db.scalars(select(CallbackTask).where(CallbackTask.status == HELD).order_by(CallbackTask.id))
        return "\n".join(f"{t.id}\t{t.reason}\t{t.number}\t{(t.note or '').replace(chr(10), ' | ')}"
                         for t in held) or None
    return _run(s, rows)


def _approve(s: Settings, args: argparse.Namespace) -> int:
    from hotline.callbacks.tasks import approve_task

    def f(db: Session) -> None:
        approve_task(db, args.task, args.by)
    return _run(s, f)


def _escalations(s: Settings, args: argparse.Namespace) -> int:
    from hotline.callbacks import acknowledge, open_escalations
    from hotline.escalations import resolved_at
    from hotline.timeutil import iso_local

    def f(db: Session) -> str:
        if args.ack is not None:
            acknowledge(db, args.ack, args.by)
        escalations = open_escalations(db)
        done = resolved_at(db, escalations)
        return "\n".join(f"{e.id:>5} {e.kind:20} {e.subject:16} due {iso_local(e.due_at, s.timezone)} "
                         f"raised {iso_local(e.raised_at, s.timezone)}"
                         + (f" resolved {iso_local(done[e.id], s.timezone)}" if done[e.id] else "")
                         for e in escalations)
    return _run(s, f)
