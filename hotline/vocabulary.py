"""The typed vocabulary the apps share: every outcome, direction, result, party and state that
crosses from one app to another (listener → store → panel, IVR → dialplan → builder) is one of
these. They are ``StrEnum``s, so a member compares equal to the string stored in the database and
sent in JSON (``Disposition.ANSWERED == "answered"``): the stored values do not change."""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    """Who started the call: a caller into the hotline, the hotline (a callback / click-to-call),
    or an agent's own phone calling another phone or extension (a consultation, a colleague, a
    pickup): internal, never counted as a call into the hotline."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"
    UNKNOWN = "unknown"


class Disposition(StrEnum):
    """How a call ended (the call record's ``disposition``)."""

    ANSWERED = "answered"  # bridged with an agent (inbound) or the customer answered (outbound)
    ABANDONED = "abandoned"  # the caller gave up while queued (hung up, or left by the exit key)
    TIMEOUT = "timeout"  # the queue let the caller go unanswered (its timeout, no status)
    # 无坐席: the queue had no agent to take the caller — refused at the join (joinempty) or thrown
    # out while waiting (leavewhenempty): offered and not answered, a missed call (R-MISSED-CALLBACK)
    NO_AGENT = "no_agent"
    # 队列满: the queue refused the caller at the join because it already held its maxlen callers
    # (QUEUESTATUS FULL): offered and not answered, a missed call (R-MISSED-CALLBACK)
    QUEUE_FULL = "queue_full"
    IVR = "ivr"  # ended in the IVR / dialplan without reaching an agent
    FAILED = "failed"  # never answered by anything
    NO_ANSWER = "no_answer"  # outbound: the agent answered, the customer did not
    AGENT_NO_ANSWER = "agent_no_answer"  # outbound: the agent's own phone did not answer
    UNKNOWN = "unknown"  # the events seen do not prove an outcome (incomplete)


class AttemptResult(StrEnum):
    """What became of one ring of one agent (a ring attempt's ``result``)."""

    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    CANCELLED = "cancelled"
    BUSY = "busy"
    UNAVAILABLE = "unavailable"
    # 拒接: the member's phone answered and its user turned the call down before it was theirs: a
    # dialplan that asks the member to accept with a key (Dial's U()/M() on a Local member's leg or
    # in a ring group, Queue()'s gosub on a phone member: ami_listener/accept_prompt.py) heard
    # another key, none, or the phone hang up. Its ring ends at the phone's answer
    # (R-ANS-4RINGS: no ring-out; a pick-up past 4 rings is as late as an answer's)
    DECLINED = "declined"
    PENDING = "pending"  # still ringing (only while a call is built)
    UNKNOWN = "unknown"


class HangupParty(StrEnum):
    """R-ANS-HANGUP-LAST: whose hang-up ended the call (``hangup_first``)."""

    CALLER = "caller"
    AGENT = "agent"
    SYSTEM = "system"  # the dialplan / IVR / a queue timeout


class TransferKind(StrEnum):
    BLIND = "blind"
    ATTENDED = "attended"
    REDIRECT = "redirect"  # an AMI Redirect or dialplan transfer, no transfer event


# A transfer entry's ``result`` besides Asterisk's own (Success, Fail, …): an agent's consultation
# given up — an attended transfer started, the agent back with the caller, nobody handed on. Listed
# in the record's transfers so it is seen (咨询后取消), never counted as a transfer (handed_on).
CONSULTATION_GIVEN_UP = "ConsultationGivenUp"


def handed_on(result: str | None) -> bool:
    """A transfer entry of this ``result`` handed the caller on (or may have: an event that names
    no result): every use counting transfers asks this, not the result itself."""
    return result in (None, "Success")


class AgentState(StrEnum):
    """An agent's state on the live wallboard (from the listener's live feed)."""

    IDLE = "idle"
    RINGING = "ringing"
    TALKING = "talking"
    PAUSED = "paused"
    UNAVAILABLE = "unavailable"


class AgentPresence(StrEnum):
    """An agent's desk state (hotline/desk/presence.py), one state machine, every change stored.
    Not the wallboard's ``AgentState``: that one is read from the queue's events; this one is what
    the agent (or a supervisor) chose, plus the call phases the listener reports."""

    LOGGED_OUT = "logged_out"  # 签出: not a member of the queue
    AVAILABLE = "available"  # 示闲: a member, not paused
    BUSY = "busy"  # 示忙: paused
    BREAK = "break"  # 小休: paused with a reason (settings.desk_break_reasons)
    RINGING = "ringing"
    TALKING = "talking"
    WRAP_UP = "wrap_up"  # 话后整理: paused for settings.desk_wrapup_s after an answered call


class Role(StrEnum):
    """A panel user's role (hotline.models.panel.ROLES lists them in this order)."""

    AGENT = "agent"
    INSPECTOR = "inspector"  # reads, numbers masked (R-PRIVACY)
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    TECHNICIAN = "technician"  # own work orders only (web/field, issue 15)


class CaseKind(StrEnum):
    """What a case (工单) is about: the top level of hotline/case_categories.toml."""

    REPAIR = "repair"  # 报修 (R-FAULT-SLA)
    CONSULT = "consult"  # 咨询 (R-CONSULT-24H)
    COMPLAINT = "complaint"  # 投诉 (R-COMPLAINT)
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬
    SERVICE = "service"  # 业务办理


class CaseStatus(StrEnum):
    """A case's state: 受理 → 处理中 → 已办结 → 已回访. Closed and revisited cases are read-only."""

    ACCEPTED = "accepted"  # 受理
    IN_PROGRESS = "in_progress"  # 处理中
    CLOSED = "closed"  # 已办结
    REVISITED = "revisited"  # 已回访


class PromptAction(StrEnum):
    """What made a prompt's audio current (prompt_versions.action, hotline.prompt_library)."""

    BUILD = "build"  # `hotline prompts build` made it; kept when the first change replaces it
    UPLOAD = "upload"  # the operator's recording
    REVERT = "revert"  # back to speech from the engine
    TEXT = "text"  # the text edited (speech said again; a recording is kept and flagged)
    RESTORE = "restore"  # an earlier version brought back
