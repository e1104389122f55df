"""The day's QA sample (质检抽检, R-QA): drawn per agent, flagged calls first, the same picks at
every draw, nothing added by a second draw, days cut in the operator's zone; and the daily
statistics against hand-counted grades."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import qa_sheet
from hotline.chanvars import ChanVar
from hotline.models import Call, Case, CaseCall, Complaint, QaGrade, QaSample, User
from hotline.qa_sample import CATCH_UP_DAYS, day_statistics, days_due, draw, picks, sample_of
from hotline.settings import Settings
from tests.hotline.callbacks.conftest import TZ, db, local, sessions, settings

__all__ = ["db", "sessions", "settings"]
DAY = date(2026, 11, 3)
_seq = itertools.count(1)


def call(db: Session, agent: str | None = "8001", at: datetime | None = None, *, call_id: str | None = None,
         disposition: str = "answered", direction: str = "inbound", **over: Any) -> Call:
    """An answered inbound call of DAY at 10:00 local, within 4 rings, the caller hanging up first."""
    n = next(_seq)
    at = at or local(2026, 11, 3, 10) + timedelta(minutes=n)
    c = Call(server="test", call_id=call_id or f"q-{n}", direction=direction, caller_number="13800000001",
             started_at=at, queued_at=at, answered_at=at + timedelta(seconds=5), ended_at=at + timedelta(minutes=2),
             agent=agent, final_agent=agent, wait_seconds=5.0, within_4_rings=True, talk_seconds=115.0,
             disposition=disposition, hangup_first="caller", built_at=at, vars={}, transfers=[])
    for k, v in over.items():
        setattr(c, k, v)
    db.add(c)
    db.flush()
    return c


def with_quota(s: Settings, n: int) -> Settings:
    return s.replace(qa_sample_per_agent=n)


def drawn(db: Session, day: date = DAY) -> dict[int, str]:
    return {row.call_pk: row.reason for row, _ in sample_of(db, day)}


def inspector(db: Session) -> int:
    u = User(username=f"insp{next(_seq)}", password_hash="x", role="inspector", created_at=datetime.now(UTC))
    db.add(u)
    db.flush()
    return u.id


def test_the_calls_the_record_flags_come_first_each_saying_why(db: Session, settings: Settings) -> None:
    s = with_quota(settings, 3)
    late = call(db, within_4_rings=False)  # R-ANS-4RINGS, no apology
    call(db, within_4_rings=False, vars={ChanVar.LATE_APOLOGY: "1"})  # late but apologised: not flagged
    hung = call(db, hangup_first="agent")  # R-ANS-HANGUP-LAST
    call(db, hangup_first="agent", vars={ChanVar.MALICIOUS: "1"})  # the rule's exception: not flagged
    both = call(db, within_4_rings=False, survey=3)  # two flags: drawn first
    for _ in range(5):
        call(db)
    call(db, survey=1)  # satisfied: not flagged
    db.commit()
    assert [p.call.id for p in picks(db, s, DAY)] == [both.id, late.id, hung.id]
    assert draw(db, s, DAY) == 3
    assert drawn(db) == {both.id: "late,low_survey", late.id: "late", hung.id: "hung_up_first"}


def test_a_complaint_raised_on_the_call_flags_it(db: Session, settings: Settings) -> None:
    s = with_quota(settings, 2)
    named = call(db, agent="8001")
    cased = call(db, agent="8002")
    other_case = call(db, agent="8002")
    for agent in ("8001", "8001", "8002", "8002"):
        call(db, agent=agent)
    now = local(2026, 11, 3, 11)
    db.add(Complaint(number="+8613800000001", call_server="test", call_id=named.call_id, received_at=now,
                     contact_due=now, resolve_due=now))
    for c, kind in ((cased, "complaint"), (other_case, "consult")):
        case = Case(kind=kind, status="accepted", created_at=now, updated_at=now)
        db.add(case)
        db.flush()
        db.add(CaseCall(case_id=case.id, server="test", call_id=c.call_id, linked_at=now))
    db.commit()
    draw(db, s, DAY)
    reasons = drawn(db)
    assert reasons[named.id] == "complaint" and reasons[cased.id] == "complaint"
    assert reasons.get(other_case.id) != "complaint"  # a consultation is no complaint
    assert sorted(r.agent for r, _ in sample_of(db, DAY)) == ["8001", "8001", "8002", "8002"]


def test_the_random_picks_are_the_same_at_every_draw_whatever_the_insert_order(
        db: Session, settings: Settings, sessions: Any) -> None:
    s = with_quota(settings, 2)
    ids = [f"r-{i}" for i in range(12)]
    for cid in ids:
        call(db, call_id=cid)
    db.commit()
    first = [p.call.call_id for p in picks(db, s, DAY)]
    assert len(first) == 2 and [p.call.call_id for p in picks(db, s, DAY)] == first
    # the same calls stored in another order (another database, another id each) draw the same
    db.execute(QaSample.__table__.delete())
    db.execute(Call.__table__.delete())
    for cid in reversed(ids):
        call(db, call_id=cid)
    db.commit()
    assert [p.call.call_id for p in picks(db, s, DAY)] == first
    # …and the order is a hash of the day too: the same calls on other days are other picks (not
    # "the first two" every day)
    moved = []
    for k in range(1, 4):
        for c in db.scalars(select(Call)):
            c.started_at += timedelta(days=1)
        db.commit()
        moved.append(tuple(p.call.call_id for p in picks(db, s, DAY + timedelta(days=k))))
    assert len({tuple(first), *moved}) > 1


def test_drawing_again_adds_nothing_and_a_graded_call_counts(db: Session, settings: Settings) -> None:
    s = with_quota(settings, 2)
    plain = [call(db) for _ in range(4)]
    graded = plain[3]
    db.add(QaGrade(call_pk=graded.id, agent="8001", inspector_id=inspector(db), score=90, checklist={},
                   created_at=datetime.now(UTC)))
    db.commit()
    assert draw(db, s, DAY) == 2
    first = drawn(db)
    assert first[graded.id] == "graded"  # the inspector's work that day counts towards the quota
    assert list(first.values()).count("random") == 1
    assert draw(db, s, DAY) == 0 and drawn(db) == first


def test_an_agent_with_fewer_calls_than_the_quota_is_topped_up_later(db: Session, settings: Settings) -> None:
    s = with_quota(settings, 2)
    one = call(db, agent="8003")
    call(db, agent="8003", disposition="abandoned")  # not answered: not drawn
    call(db, agent="8003", direction="outbound")  # a callback: not the answered calls
    call(db, agent="8003", direction="internal")
    db.commit()
    assert draw(db, s, DAY) == 1 and set(drawn(db)) == {one.id}
    assert draw(db, s, DAY) == 0
    later = call(db, agent="8003")  # the day was drawn before it ended ("today so far")
    db.commit()
    assert draw(db, s, DAY) == 1 and set(drawn(db)) == {one.id, later.id}
    assert draw(db, s, DAY) == 0


def test_days_are_the_operators_local_days(db: Session, settings: Settings) -> None:
    assert settings.timezone == "Asia/Shanghai"
    s = with_quota(settings, 5)
    last_second = call(db, at=datetime(2026, 11, 3, 23, 59, 59, tzinfo=TZ))  # 15:59:59 UTC
    next_day = call(db, at=datetime(2026, 11, 4, 0, 0, tzinfo=TZ))  # 16:00 UTC, the same UTC date
    before = call(db, at=datetime(2026, 11, 2, 23, 59, tzinfo=TZ))
    first = call(db, at=datetime(2026, 11, 3, 0, 0, tzinfo=TZ))  # 2 Nov 16:00 UTC
    db.commit()
    draw(db, s, DAY)
    draw(db, s, DAY + timedelta(days=1))
    assert set(drawn(db)) == {last_second.id, first.id}
    assert set(drawn(db, DAY + timedelta(days=1))) == {next_day.id}
    assert before.id not in {r.call_pk for r in db.scalars(select(QaSample))}


def test_a_quota_of_zero_draws_nothing(db: Session, settings: Settings) -> None:
    call(db, within_4_rings=False)
    db.commit()
    assert draw(db, with_quota(settings, 0), DAY) == 0


def test_the_days_the_scheduler_draws(settings: Settings) -> None:
    after = datetime(2026, 11, 4, 0, 31, tzinfo=TZ)
    assert days_due(settings, DAY, after) == []  # yesterday already drawn
    assert days_due(settings, DAY - timedelta(days=1), after) == [DAY]
    # shortly after midnight the day before is not finished being stored yet
    assert days_due(settings, DAY - timedelta(days=1), datetime(2026, 11, 4, 0, 10, tzinfo=TZ)) == []
    # missed days caught up, CATCH_UP_DAYS at most (also the first start, nothing drawn before)
    assert days_due(settings, DAY - timedelta(days=3), after) == [DAY - timedelta(days=2), DAY - timedelta(days=1), DAY]
    for last in (None, DAY - timedelta(days=30)):
        due = days_due(settings, last, after)
        assert len(due) == CATCH_UP_DAYS and due[-1] == DAY


def test_the_days_statistics_against_hand_counted_grades(db: Session, settings: Settings) -> None:
    sheet = qa_sheet.sheet(settings)
    insp = inspector(db)

    def grade(c: Call, score: int, corrects: QaGrade | None = None) -> QaGrade:
        g = QaGrade(call_pk=c.id, agent=c.agent, inspector_id=insp, score=score, checklist={},
                    corrects_id=corrects.id if corrects else None, created_at=datetime.now(UTC))
        db.add(g)
        db.flush()
        return g

    grade(call(db, agent="8001"), 100)
    grade(call(db, agent="8001"), 50)
    corrected = call(db, agent="8001")
    grade(corrected, 40, corrects=grade(corrected, 90))  # the correction counts, not the 90
    grade(call(db, agent="8002"), 75)
    call(db, agent="8002")  # not graded
    grade(call(db, agent="8002", at=local(2026, 11, 4, 0, 5)), 10)  # the next local day
    db.commit()
    st = day_statistics(db, settings, DAY, sheet)
    assert st.graded == 4
    assert st.average == pytest.approx((100 + 50 + 40 + 75) / 4)
    assert st.bands == {"fail": 2, "pass": 1, "good": 0, "excellent": 1}
    assert [(a.agent, a.graded, a.failing) for a in st.agents] == [("8001", 3, 2), ("8002", 1, 0)]
    assert st.agents[0].average == pytest.approx(190 / 3) and st.agents[1].average == pytest.approx(75)
    empty = day_statistics(db, settings, DAY - timedelta(days=1), sheet)
    assert (empty.graded, empty.average, empty.agents, sum(empty.bands.values())) == (0, None, [], 0)


def test_a_purged_call_leaves_no_sample_row(db: Session, settings: Settings) -> None:
    c = call(db, within_4_rings=False)
    db.commit()
    draw(db, settings, DAY)
    db.execute(Call.__table__.delete().where(Call.id == c.id))  # as the retention purge deletes calls
    db.commit()
    assert db.scalars(select(QaSample)).all() == []


def _grade(db: Session, c: Call, score: int = 90) -> None:
    db.add(QaGrade(call_pk=c.id, agent=c.agent, inspector_id=inspector(db), score=score, checklist={},
                   created_at=datetime.now(UTC)))
    db.commit()


def test_a_call_flagged_after_the_quota_was_drawn_takes_a_random_picks_place(db: Session, settings: Settings) -> None:
    """A morning "today so far" draw filled the quota at random; a call flagged in the afternoon
    takes the place of a random pick not graded yet (the last in the hash order), never of a graded
    one; the other agents' picks stay."""
    s = with_quota(settings, 2)
    for _ in range(4):
        call(db, agent="8001")
    other = [call(db, agent="8002") for _ in range(3)]
    db.commit()
    first = [p.call.id for p in picks(db, s, DAY) if p.call.agent == "8001"]  # the hash order
    assert draw(db, s, DAY) == 4
    before_8002 = {pk: r for pk, r in drawn(db).items() if pk in {c.id for c in other}}
    late = call(db, agent="8001", within_4_rings=False, at=local(2026, 11, 3, 15))  # R-ANS-4RINGS, later that day
    db.commit()
    assert draw(db, s, DAY) == 1
    assert drawn(db) == {first[0]: "random", late.id: "late", **before_8002}  # first[1] gave way
    assert draw(db, s, DAY) == 0 and len(drawn(db)) == 4  # idempotent again
    _grade(db, db.get(Call, first[0]))  # the remaining random pick graded: it stays whatever comes
    hung = call(db, agent="8001", hangup_first="agent", at=local(2026, 11, 3, 16))
    db.commit()
    assert draw(db, s, DAY) == 0
    assert drawn(db) == {first[0]: "random", late.id: "late", **before_8002} and hung.id not in drawn(db)


def test_a_flagged_or_graded_pick_is_never_displaced(db: Session, settings: Settings) -> None:
    s = with_quota(settings, 2)
    early = call(db, survey=3)  # R-SURVEY: flagged at the first draw
    graded = call(db)
    call(db)
    _grade(db, graded)
    assert draw(db, s, DAY) == 2 and drawn(db) == {early.id: "low_survey", graded.id: "graded"}
    call(db, within_4_rings=False, at=local(2026, 11, 3, 15))
    db.commit()
    assert picks(db, s, DAY) == [] and draw(db, s, DAY) == 0
    assert drawn(db) == {early.id: "low_survey", graded.id: "graded"}


def test_a_displacing_draw_that_lost_a_race_changes_nothing(
        db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two draws at once plan the same swap: the second finds its row gone (or, with a grade saved
    meanwhile, no longer random and ungraded) and adds nothing — the agent never ends over quota."""
    import hotline.qa_sample as qa_sample

    s = with_quota(settings, 1)
    plain = call(db)
    assert draw(db, s, DAY) == 1 and drawn(db) == {plain.id: "random"}
    late = call(db, within_4_rings=False, at=local(2026, 11, 3, 15))
    db.commit()
    plan = picks(db, s, DAY)
    assert [(p.call.id, p.displaces) for p in plan] == [(late.id, db.scalars(select(QaSample.id)).one())]
    _grade(db, plain)  # an inspector grades the random pick between the plan and the swap
    monkeypatch.setattr(qa_sample, "picks", lambda *_: plan)
    assert draw(db, s, DAY) == 0 and drawn(db) == {plain.id: "random"}
    db.execute(QaGrade.__table__.delete())
    db.commit()
    monkeypatch.undo()
    stale = picks(db, s, DAY)
    assert draw(db, s, DAY) == 1 and drawn(db) == {late.id: "late"}  # the first draw swapped them
    monkeypatch.setattr(qa_sample, "picks", lambda *_: stale)
    assert draw(db, s, DAY) == 0 and drawn(db) == {late.id: "late"}  # the second: its row is gone


def test_a_repeat_draw_reads_every_call_the_record_may_flag(db: Session, settings: Settings) -> None:
    """A draw where every agent has their quota reads only the calls that may be flagged
    (``_may_be_flagged``, in SQL): each call the one-home checks flag must be among them, whatever
    the mix of its fields — else a later flag would be missed where the whole day used to be read."""
    from hotline import qa_sample

    grid = itertools.product((True, False, None), ({}, {ChanVar.LATE_APOLOGY: "1"}, {ChanVar.LATE_APOLOGY: "0"},
                                                    {ChanVar.LATE_APOLOGY: 1}, {ChanVar.MALICIOUS: "1"}),
                             ("caller", "agent", "system", None), (None, 1, 2, 3))
    made = [call(db, within_4_rings=w4, vars=dict(v), hangup_first=h, survey=sv) for w4, v, h, sv in grid]
    complained = {made[0].id}  # in time, the caller hung up, no survey: only the complaint flags it
    db.commit()
    may = set(db.scalars(select(Call.id).where(qa_sample._may_be_flagged(complained))))
    flagged = {c.id for c in made if qa_sample.flags_of(c, c.id in complained)}
    assert flagged and flagged <= may
    assert len(may) < len(made)  # it leaves calls out: the in-time, caller-ended, satisfied ones


def test_a_repeat_draw_tops_up_one_agent_and_swaps_for_another(db: Session, settings: Settings) -> None:
    """One draw, two kinds of agent: 8002 still owed a pick (a call came after the first draw), 8001
    at quota with a random pick and a call flagged since — the one read of the owed agent's calls and
    of the at-quota agent's flaggable ones gives both; an apologised late call is not flagged."""
    s = with_quota(settings, 2)
    for _ in range(3):
        call(db, agent="8001")
    only = call(db, agent="8002")
    db.commit()
    assert draw(db, s, DAY) == 3
    first = drawn(db)
    randoms_8001 = [pk for pk in first if pk != only.id]
    call(db, agent="8001", within_4_rings=False, vars={ChanVar.LATE_APOLOGY: "1"}, at=local(2026, 11, 3, 14))
    late = call(db, agent="8001", within_4_rings=False, at=local(2026, 11, 3, 15))
    newer = call(db, agent="8002", at=local(2026, 11, 3, 16))
    db.commit()
    assert draw(db, s, DAY) == 2
    after = drawn(db)
    assert after[late.id] == "late" and after[newer.id] == "random" and after[only.id] == "random"
    assert len([pk for pk in randoms_8001 if pk in after]) == 1 and len(after) == 4
