"""The desk's answers in the page's language (found by the newcomer's walk: a zh desk said
"8001 is break (培训)", "playing please_repeat to the caller of sim-…"): a result that went
through is said in the catalogue's words, and so is a refusal, from the core's reason code (a zh
desk once said "未完成: 8009 is not an agent")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotline.desk.calls import ControlOutcome, ControlResult
from hotline.desk.presence import PresenceResult, PresenceView
from hotline.desk.refusals import Refusal
from hotline.vocabulary import AgentPresence as P
from tests.web.conftest import Panel
from web.desk.messages import control_message, forced_presence_message, presence_message


def test_presence_and_control_answers_in_chinese(panel: Panel) -> None:
    with panel.app.test_request_context("/desk"):
        brk = PresenceResult(True, "8001 is break (培训)", PresenceView("8001", P.BREAK, reason="培训"), True)
        assert presence_message(brk, []) == "当前状态:小休 (培训)"
        ready = PresenceResult(True, "8001 is available", PresenceView("8001", P.AVAILABLE), True)
        assert presence_message(ready, []) == "当前状态:示闲"
        until = datetime.now(UTC) + timedelta(seconds=30.5)
        wrap = PresenceResult(True, "8001's after-call work runs until 08:53:14",
                              PresenceView("8001", P.WRAP_UP, wrapup_until=until), True)
        assert presence_message(wrap, []) in ("话后整理:还剩 30 秒", "话后整理:还剩 29 秒")
        reasons = ["用餐", "培训"]
        refused = PresenceResult(False, "8001 is on a call (talking): available again once it ends",
                                 PresenceView("8001", P.TALKING), reason=Refusal.ON_A_CALL)
        assert presence_message(refused, reasons) == "未完成:您正在通话中,通话结束后才能示闲。"
        no_reason = PresenceResult(False, "a break needs one of the reasons 用餐, 培训, not 'nap'",
                                   PresenceView("8001", P.AVAILABLE), reason=Refusal.BREAK_REASON)
        assert presence_message(no_reason, reasons) == "未完成:小休需选择原因:用餐、培训。"
        assert presence_message(brk, reasons) == "当前状态:小休 (培训)"
        assert forced_presence_message(brk, reasons) == "8001:小休 (培训)"  # a supervisor set it

        def result(control: str, outcome: ControlOutcome, reason: Refusal | None = None) -> ControlResult:
            return ControlResult(control, "8001", "c1", outcome, "english", reason=reason)

        assert control_message(result("phrase", ControlOutcome.DONE)) == "已向客户播放规范用语。"
        assert control_message(result("survey", ControlOutcome.DONE)) == "已转满意度评价。"
        assert control_message(result("hangup", ControlOutcome.CALL_ENDED, Refusal.CALL_ENDED)) == "通话已结束。"
        assert control_message(result("transfer", ControlOutcome.REFUSED, Refusal.NOT_ANOTHER_AGENT)) \
            == "未完成:请选择本热线的其他坐席。"
        assert control_message(result("consult_complete", ControlOutcome.REFUSED, Refusal.PBX_UNREACHABLE)) \
            == "未完成:无法连接交换机。"
        assert control_message(result("listen", ControlOutcome.DONE)) == "您的话机正在振铃:接起后监听通话。"
        assert control_message(result("hangup", ControlOutcome.REFUSED)) == "未完成。"  # read back: no code kept
        # every reason the core gives is said in Chinese: no English word is left
        for reason in Refusal:
            said = control_message(result("hangup", ControlOutcome.REFUSED, reason))
            assert said and not any(c.isascii() and c.isalpha() for c in said), (reason, said)
