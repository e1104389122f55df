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
