"""The channel variables the hotline's apps pass each other through Asterisk: the IVR and the
dialplan set them, the call builder and the metrics read them from the call record's ``vars``.
This module is the one place their names are spelled in Python; ``asterisk/extensions.conf``
spells the same names (``tests/hotline/test_chanvars.py`` checks that every name it uses is here)."""

from __future__ import annotations

from enum import StrEnum


class ChanVar(StrEnum):
    # the call's origin and routing
    DIRECTION = "HOTLINE_DIRECTION"  # "outbound" on callbacks (vocabulary.Direction)
    SOURCE = "HOTLINE_SOURCE"  # "backfill" on records rebuilt from CEL / queue_log
    AGENT = "HOTLINE_AGENT"  # the agent a callback rings first
    TASK_ID = "HOTLINE_TASK_ID"  # the callback task an outbound call works
    ORDER_ID = "HOTLINE_ORDER_ID"  # the work order a technician's call to the customer works (hotline/field)
    TECHNICIAN = "HOTLINE_TECHNICIAN"  # who made that call: a technician, not an agent (no agent's figures)
    # the hotline's queue (a dialplan global); set on the caller's channel as it enters Queue(): a
    # caller the queue refuses at the join (full, no agent) is named by no queue event
    QUEUE = "HOTLINE_QUEUE"
    WAIT_FROM = "HOTLINE_WAIT_FROM"  # R-ANS-LATE-APOLOGY: epoch seconds the wait counts from
    # the IVR (ivr/flow.py)
    IVR = "HOTLINE_IVR"  # "done" | "skipped"
    NEXT = "HOTLINE_NEXT"  # "queue" | "hangup"
    MENU = "HOTLINE_MENU"
    VIP = "HOTLINE_VIP"  # R-VIP
    CUSTOMER = "HOTLINE_CUSTOMER"
    OPEN_MATTERS = "HOTLINE_OPEN_MATTERS"  # R-ONE-CALL
    # R-ONE-CALL: the ticket of the open report whose standing the IVR told the caller (not
    # FAULT_TICKET: that one is a report keyed on this call, which the repeat-call figures count)
    STATUS_TICKET = "HOTLINE_STATUS_TICKET"
    OUTAGE = "HOTLINE_OUTAGE"  # R-FAULT-OUTAGE
    OUT_OF_HOURS = "HOTLINE_OUT_OF_HOURS"  # R-ANS-HOURS
    CALLBACK = "HOTLINE_CALLBACK"  # a callback was promised
    FAULT_CONTACT = "HOTLINE_FAULT_CONTACT"
    FAULT_ACCOUNT = "HOTLINE_FAULT_ACCOUNT"
    FAULT_AREA = "HOTLINE_FAULT_AREA"
    FAULT_DISTRICT = "HOTLINE_FAULT_DISTRICT"  # keyed by a caller not in the customer master
    FAULT_TYPE = "HOTLINE_FAULT_TYPE"
    FAULT_RECORDING = "HOTLINE_FAULT_RECORDING"
    FAULT_REPORT = "HOTLINE_FAULT_REPORT"
    FAULT_TICKET = "HOTLINE_FAULT_TICKET"
    # the keys of an apology and its question asked again, played as one by Asterisk's Read (ivr/flow.py
    # Call.reask). Not HOTLINE_: the IVR's scratch, no fact of the call (the listener and the desk read
    # every HOTLINE_* VarSet). READSTATUS is Read's own: OK, TIMEOUT, HANGUP, ERROR…
    READ_KEYS = "IVR_READ_KEYS"
    READ_STATUS = "READSTATUS"
    # a dialplan function, not a variable: the wait between keys after one pressed over an apology
    DIGIT_TIMEOUT = "TIMEOUT(digit)"
    # the dialplan (asterisk/extensions.conf)
    LATE_APOLOGY = "HOTLINE_LATE_APOLOGY"  # R-ANS-LATE-APOLOGY played
    WORKNUM_PLAYED = "HOTLINE_WORKNUM_PLAYED"  # R-ANS-GREET played
    SURVEY = "HOTLINE_SURVEY"  # R-SURVEY: 1 satisfied, 2 fair, 3 dissatisfied
    # the agent desk (hotline/desk/)
    SURVEY_AGENT = "HOTLINE_SURVEY_AGENT"  # R-SURVEY: the agent who sent the caller to the survey
    MALICIOUS = "HOTLINE_MALICIOUS"  # R-ANS-HANGUP-LAST exception: the agent who flagged the call malicious
    FORCED_HANGUP = "HOTLINE_FORCED_HANGUP"  # 强拆: the supervisor who ended the call
    # R-ANS-GREET after the desk's attended transfer: the target whose work number the desk played to
    # the caller at the completion (the consultation itself greets no one: HOTLINE_CONSULT)
    TRANSFER_WORKNUM = "HOTLINE_TRANSFER_WORKNUM"
    CONSULT = "HOTLINE_CONSULT"  # on a consulting agent's leg (inherited by the consultation): the target
    DESK = "HOTLINE_DESK"  # on the desk's own channels (a phrase player, a supervisor's spy): "<use>:<call id>"
