"""What the desk leaves on a call reaches the figures (issue 13): a survey rating counts for the
agent who sent the caller to it (转满意度, HOTLINE_SURVEY_AGENT) — not the first agent of a
transferred call —; a call flagged malicious (R-ANS-HANGUP-LAST's one exception) or ended by a
supervisor (强拆) is no hang-up-first violation of the agent."""

from __future__ import annotations

from hotline import metrics
from hotline.chanvars import ChanVar
from hotline.metrics import Ratio
from tests.web.conftest import Panel
from tests.web.factory import make_call


def test_survey_credit_and_excused_hang_ups(panel: Panel) -> None:
    s = panel.settings
    db = panel.db()
    # 8001 answered, transferred to 8002, who sent the caller to the survey: 8002's rating
    make_call(db, agent="8001", survey=1, final_agent="8002", vars={ChanVar.SURVEY_AGENT.value: "8002"})
    # no desk: the last agent the caller talked to is credited
    make_call(db, agent="8001", survey=3, final_agent="8003")
    # answered and rated, nobody else involved
    make_call(db, agent="8001", survey=1)
    make_call(db, agent="8002", hangup_first="agent", vars={ChanVar.MALICIOUS.value: "8002"})
    make_call(db, agent="8002", hangup_first="agent", vars={ChanVar.FORCED_HANGUP.value: "supervisor"})
    make_call(db, agent="8003", hangup_first="agent")
    start, end = metrics.period("day", s)
    team = metrics.figures(db, s, start, end)
    per = metrics.agent_figures(db, s, start, end)
    db.close()
    assert team.satisfaction == Ratio(2, 3)
    assert per["8001"].satisfaction == Ratio(1, 1)
    assert per["8002"].satisfaction == Ratio(1, 1)
    assert per["8003"].satisfaction == Ratio(0, 1)
    assert team.hangup_first == 1 and per["8003"].hangup_first == 1 and per["8002"].hangup_first == 0
    assert per["8002"].compliance.num == 2  # both excused calls stay compliant


def test_aht_counts_the_after_call_work(panel: Panel) -> None:
    """AHT = talk + after-call work (话后整理): the desk's wrap-up after a call counts (issue 13;
    it was 0 while nothing recorded wrap-up)."""
    from datetime import timedelta

    from hotline.desk import presence
    from hotline.timeutil import utcnow
    from hotline.vocabulary import AgentPresence as P
    from tests.hotline.desk.fakes import RecordingAmi

    s = panel.settings.replace(desk_wrapup_s=30)
    db = panel.db()
    ami = RecordingAmi()
    at = utcnow() - timedelta(minutes=10)
    make_call(db, agent="8001", talk=60.0, at=at)
    presence.set_state(s, db, "8001", presence.P.AVAILABLE, now=at, ami=ami)
    presence.on_call_event(s, db, "8001", presence.CallPhase.RINGING, "L1", at + timedelta(seconds=10), ami=ami)
    presence.on_call_event(s, db, "8001", presence.CallPhase.ANSWERED, "L1", at + timedelta(seconds=15), ami=ami)
    presence.on_call_event(s, db, "8001", presence.CallPhase.ENDED, "L1", at + timedelta(seconds=75), ami=ami)
    assert presence.current(db, s, "8001").state == P.WRAP_UP
    presence.end_wrapup(s, db, "8001", now=at + timedelta(seconds=95), ami=ami)  # 20 s of wrap-up
    db.commit()
    start, end = metrics.period("day", s, at)
    metrics.clear_cache()
    assert metrics.figures(db, s, start, end).aht == 60.0 + 20.0
    assert metrics.agent_figures(db, s, start, end)["8001"].aht == 60.0 + 20.0
    db.close()
