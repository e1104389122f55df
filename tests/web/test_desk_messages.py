"""The desk's answers in the page's language (found by the newcomer's walk: a zh desk said
"8001 is break (培训)", "playing please_repeat to the caller of sim-…"): a result that went
through is said in the catalogue's words, a refusal keeps the core's reason after a translated lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotline.desk.calls import ControlOutcome, ControlResult
from hotline.desk.presence import PresenceResult, PresenceView
from hotline.vocabulary import AgentPresence as P
from tests.web.conftest import Panel
from web.desk.messages import control_message, presence_message


def test_presence_and_control_answers_in_chinese(panel: Panel) -> None:
    with panel.app.test_request_context("/desk"):
        brk = PresenceResult(True, "8001 is break (培训)", PresenceView("8001", P.BREAK, reason="培训"), True)
        assert presence_message(brk) == "当前状态:小休 (培训)"
        ready = PresenceResult(True, "8001 is available", PresenceView("8001", P.AVAILABLE), True)
        assert presence_message(ready) == "当前状态:示闲"
        until = datetime.now(UTC) + timedelta(seconds=30.5)
        wrap = PresenceResult(True, "8001's after-call work runs until 08:53:14",
                              PresenceView("8001", P.WRAP_UP, wrapup_until=until), True)
        assert presence_message(wrap) in ("话后整理:还剩 30 秒", "话后整理:还剩 29 秒")
        refused = PresenceResult(False, "8001 is on a call (talking): available again once it ends",
                                 PresenceView("8001", P.TALKING))
        assert presence_message(refused) == "未完成:8001 is on a call (talking): available again once it ends"

        def result(control: str, outcome: ControlOutcome, message: str = "english") -> ControlResult:
            return ControlResult(control, "8001", "c1", outcome, message)

        assert control_message(result("phrase", ControlOutcome.DONE)) == "已向客户播放规范用语。"
        assert control_message(result("survey", ControlOutcome.DONE)) == "已转满意度评价。"
        assert control_message(result("hangup", ControlOutcome.CALL_ENDED, "no channel")) == "通话已结束。 no channel"
        assert control_message(result("transfer", ControlOutcome.REFUSED, "8009 is not an agent")) \
            == "未完成: 8009 is not an agent"
