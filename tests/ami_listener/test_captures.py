"""The call record of every call shape, from real captures (tests/captures/record.py made them).

Each row: the capture, and what the scenario that produced it did — who rang how long, who
answered, who hung up — as the record must show it. Times within 0.3 s (event timestamps).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from ami_listener.reader import thin_fields
from hotline.vocabulary import CONSULTATION_GIVEN_UP as GIVEN_UP
from tests.ami_listener.replay import CAPTURES, as_json, capture, replay_frames, replay_messages

T = 0.3
# Talk time runs from the answer to the hang-up, so it includes the work-number announcement the
# agent's side plays first (R-ANS-GREET, a few seconds): given as (at least, at most).
EXPECTED: dict[str, dict] = {
    "quick_answer": dict(direction="inbound", disposition="answered", agent="8001", final_agent="8001",
                         ring_seconds=1.0, rings=1, within_4_rings=True, talk_seconds=(2.0, 9.0), wait_seconds=1.0,
                         hangup_first="agent", attempts=[("8001", "answered")], recording=True, holds=0,
                         hold_seconds=0.0),
    "late_answer": dict(disposition="answered", agent="8001", ring_seconds=5.5, rings=6, within_4_rings=False,
                        hangup_first="agent", attempts=[("8001", "answered")]),
    "ring_no_answer_rollover": dict(disposition="answered", agent="8002", ring_seconds=1.0, wait_seconds=9.0,
                                    attempts=[("8001", "no_answer"), ("8002", "answered")], within_4_rings=True),
    # never answered: no talk, no hold
    "abandon_queued": dict(disposition="abandoned", agent=None, hangup_first="caller", wait_seconds=3.0,
                           ring_seconds=None, within_4_rings=None, attempts=[("8001", "cancelled")],
                           recording=False, talk_seconds=None, holds=None, hold_seconds=None),
    "queue_timeout": dict(disposition="timeout", agent=None, hangup_first="system", wait_seconds=12.0),
    "agent_hangs_up_first": dict(disposition="answered", hangup_first="agent", talk_seconds=(2.0, 9.0)),
    # the caller stays 4 s in all: 1 s ringing, about 3 s talking
    "caller_hangs_up_first": dict(disposition="answered", hangup_first="caller", talk_seconds=(2.7, 3.3)),
    # Asterisk's Unhold before the blind transfer follows no Hold: no hold
    "queue_blind_transfer": dict(disposition="answered", agent="8001", final_agent="8002",
                                 transfers=[("blind", "8001", "8002")], hangup_first="agent", holds=0,
                                 hold_seconds=0.0, transferred_out=None),
    # AMI Atxfer, as the desk's consultation sends it: the caller is held from the Atxfer (1.25 s
    # after the answer) until the transfer completes 0.75 s later
    "queue_attended_transfer": dict(disposition="answered", agent="8001", final_agent="8002",
                                    transfers=[("attended", "8001", "8002")], transfer_results=["Success"],
                                    hangup_first="agent", holds=1, hold_seconds=0.75),
    # the desk's 咨询转接 then 取消咨询 (AMI Atxfer to 8002 1 s after the answer; 8002 answers after
    # 1 s; 1 s later the consultation's channel is hung up): 8001 is back with the caller, who hangs
    # up 12 s in. A consultation given up, no transfer; the caller held from the Atxfer to 8001's
    # return (about 2.3 s), which is no talk (11 s from the answer less the hold)
    "queue_consult_cancelled": dict(disposition="answered", agent="8001", final_agent="8001",
                                    transfers=[("attended", "8001", "8002")], transfer_results=[GIVEN_UP],
                                    transferred_out=None, hangup_first="caller", holds=1, hold_seconds=(2.0, 2.7),
                                    talk_seconds=(8.3, 9.3), attempts=[("8001", "answered")]),
    "ami_redirect": dict(disposition="answered", agent="8001", final_agent="8003",
                         transfers=[("redirect", "8001", "8003")], hangup_first="agent"),
    "callback_answered": dict(direction="outbound", disposition="answered", agent="8001",
                              dialed="13900000009", caller_number="13900000009", hangup_first="caller",
                              talk_seconds=3.0, holds=0, hold_seconds=0.0),
    # the agent's side gives up (its dialplan hangs up after 20 s) while the customer still rings
    "callback_not_answered": dict(direction="outbound", disposition="no_answer", agent="8001",
                                  dialed="13900000009", talk_seconds=None, hangup_first="agent", holds=None),
    # the originate stops ringing the agent's phone after 3 s: the system ended it
    "callback_agent_no_answer": dict(direction="outbound", disposition="agent_no_answer", agent="8001",
                                     dialed="13900000009", hangup_first="system"),
    # R-ONE-CALL: left in the middle of a fault report; never reached a queue
    "hangup_in_ivr": dict(direction="inbound", disposition="ivr", queue=None, agent=None, hangup_first="caller",
                          ivr_steps=["menu", "fault.contact", "fault.account"], ivr_skipped=False),
    "ivr_menu_to_agent": dict(disposition="answered", agent="8001", hangup_first="agent", ivr_skipped=False,
                              ivr_digits={"menu": "0"}),
    # a real SIP caller (SIPp, endpoint `pstn`); the IVR was down: straight to the queue
    "sip_caller_hangs_up": dict(direction="inbound", caller_number="sipp", queue="hotline", agent="8001",
                                ring_seconds=2.0, hangup_first="caller", talk_seconds=(4.5, 6.5), ivr_skipped=True),
    "sip_caller_agent_hangs_up": dict(agent="8001", ring_seconds=2.0, hangup_first="agent", talk_seconds=(10.0, 18.0)),
    # a real SIP phone as the agent (agent_technology = "pjsip": Local/8001@agents-phone/n members,
    # SIPp phone answering after 0.8 s); the greeting played on the queue's leg (R-ANS-GREET)
    "pjsip_agent_answered": dict(direction="inbound", caller_number="13800000401", queue="hotline",
                                 disposition="answered", agent="8001", final_agent="8001", ring_seconds=0.8, rings=1,
                                 within_4_rings=True, wait_seconds=0.8, hangup_first="caller",
                                 talk_seconds=(6.7, 7.7), attempts=[("8001", "answered")], recording=True,
                                 ivr_skipped=True, worknum_played=True),
    # our dialplan, the queue given an operator's limits (tests/captures/own_limits/: joinempty = no,
    # maxlen = 1), every member paused: refused at the join (JOINEMPTY), the dialplan hangs up; our
    # manager.conf filters Newexten, the caller's HOTLINE_QUEUE (set before Queue()) names the queue
    "queue_joinempty": dict(direction="inbound", caller_number="13800000303", queue="hotline", queued_at=None,
                            disposition="no_agent", agent=None, final_agent=None, answered_at=None,
                            wait_seconds=None, hangup_first="system", attempts=[], transfers=[], ivr_skipped=True),
    # --- from tests/captures/foreign/: a dialplan unlike ours (ringall, named members, FreePBX-style
    # Local members that optimise away, hotline 400, no recording, no IVR)
    "foreign_ringall_answered": dict(queue="support", dialed="400", agent="Bob", final_agent="Bob",
                                     ring_seconds=2.0, within_4_rings=True, hangup_first="agent",
                                     talk_seconds=(2.7, 3.3), attempt_set={("Bob", "answered"), ("Alice", "cancelled")},
                                     recording=False, ivr=None),
    "foreign_caller_hangs_up": dict(agent="Alice", ring_seconds=1.0, hangup_first="caller", talk_seconds=(3.5, 4.5),
                                    attempt_set={("Alice", "answered"), ("Bob", "cancelled")}),
    "foreign_abandon": dict(disposition="abandoned", agent=None, hangup_first="caller", wait_seconds=3.0,
                            attempt_set={("Alice", "cancelled"), ("Bob", "cancelled")}),
    "foreign_timeout": dict(disposition="timeout", agent=None, hangup_first="system", wait_seconds=10.0),
    # --- from tests/captures/foreign_pjsip/: the members are the SIP phones themselves (member =>
    # PJSIP/8001,0,Alice; SIPp phones), no Local channel anywhere; rrmemory `support` at 400 (3 s
    # per member, 1 s retry, MixMonitor on the caller), ringall `plain` at 401 (unnamed members)
    "foreign_pjsip_answered": dict(direction="inbound", caller_number="13600000002", queue="support", dialed="400",
                                   disposition="answered", agent="Alice", final_agent="Alice", ring_seconds=0.8,
                                   rings=1, within_4_rings=True, wait_seconds=0.8, hangup_first="agent",
                                   talk_seconds=(1.7, 2.3), attempts=[("Alice", "answered")], recording=True,
                                   transfers=[], ivr=None),
    # the caller stays 4 s in all: 0.8 s ringing, about 3.2 s talking
    "foreign_pjsip_caller_hangs_up": dict(disposition="answered", agent="Alice", final_agent="Alice", ring_seconds=0.8,
                                          rings=1, within_4_rings=True, wait_seconds=0.8, hangup_first="caller",
                                          talk_seconds=(2.9, 3.5), attempts=[("Alice", "answered")]),
    # Alice rings out after the member timeout (3 s), 1 s retry, Bob answers after 0.8 s
    "foreign_pjsip_rollover": dict(disposition="answered", agent="Bob", final_agent="Bob", ring_seconds=0.8, rings=1,
                                   within_4_rings=True, wait_seconds=4.8, hangup_first="agent",
                                   talk_seconds=(1.7, 2.3), attempts=[("Alice", "no_answer"), ("Bob", "answered")],
                                   attempt_rings=[3.0, 0.8]),
    # Alice's phone answers 486 Busy Here (app_queue says NOANSWER; the channel's cause 17 says busy)
    "foreign_pjsip_busy": dict(disposition="answered", agent="Bob", final_agent="Bob", ring_seconds=0.8, rings=1,
                               within_4_rings=True, wait_seconds=0.8, hangup_first="agent", talk_seconds=(1.7, 2.3),
                               attempts=[("Alice", "busy"), ("Bob", "answered")], attempt_rings=[0.0, 0.8]),
    "foreign_pjsip_abandon": dict(disposition="abandoned", agent=None, final_agent=None, ring_seconds=None, rings=None,
                                  within_4_rings=None, wait_seconds=2.0, hangup_first="caller", talk_seconds=None,
                                  attempts=[("Alice", "cancelled")], attempt_rings=[2.0]),
    # unnamed members: app_queue's MemberName is the interface; both ring, 8002 answers after 1.5 s
    "foreign_pjsip_plain_ringall": dict(queue="plain", dialed="401", disposition="answered", agent="PJSIP/8002",
                                        final_agent="PJSIP/8002", ring_seconds=1.5, rings=2, within_4_rings=True,
                                        wait_seconds=1.5, hangup_first="agent", talk_seconds=(1.7, 2.3),
                                        attempt_set={("PJSIP/8002", "answered"), ("PJSIP/8001", "cancelled")},
                                        recording=False),
    # --- from tests/captures/foreign_dial/: no queue, phones rung by plain Dial() (SIPp phones 8001,
    # 8002; agents by the configured agents' endpoints); the caller is a trunk-like channel that
    # rings while the phones do (issue #12)
    "foreign_dial_answered": dict(direction="inbound", caller_number="13600000003", dialed="500", queue=None,
                                  disposition="answered", agent="8001", final_agent="8001", ring_seconds=1.5, rings=2,
                                  within_4_rings=True, hangup_first="agent", talk_seconds=(1.7, 2.3),
                                  attempts=[("8001", "answered")], attempt_rings=[1.5], transfers=[]),
    # 486 Busy Here: the attempt is busy, the dialplan ends the call (Hangup()) — the system
    "foreign_dial_busy": dict(dialed="500", disposition="failed", agent=None, ring_seconds=None, within_4_rings=None,
                              hangup_first="system", talk_seconds=None, attempts=[("8001", "busy")]),
    # rings out after Dial's 4 s
    "foreign_dial_no_answer": dict(dialed="500", disposition="failed", agent=None, hangup_first="system",
                                   attempts=[("8001", "no_answer")], attempt_rings=[4.0]),
    # the caller gives up after 2 s of ringing
    "foreign_dial_caller_cancels": dict(dialed="500", disposition="abandoned", agent=None, hangup_first="caller",
                                        attempts=[("8001", "cancelled")], attempt_rings=[2.0]),
    # Dial(PJSIP/8001&PJSIP/8002): 8002 answers after 1.2 s; the caller hangs up after 3 s of talk
    "foreign_dial_ringgroup": dict(dialed="501", disposition="answered", agent="8002", final_agent="8002",
                                   ring_seconds=1.2, rings=2, within_4_rings=True, hangup_first="caller",
                                   talk_seconds=(2.7, 3.3), attempt_set={("8001", "cancelled"), ("8002", "answered")},
                                   attempt_rings=[1.2, 1.2]),
    # follow-me: the desk phone rings out (3 s), the mobile (a Local chain) answers after 1 s and
    # hangs up after 3 s — answered by the endpoint, no agent owns it
    "foreign_dial_followme": dict(dialed="502", disposition="answered", agent="Local/13900000009@mobile",
                                  final_agent="Local/13900000009@mobile", ring_seconds=1.0, hangup_first="agent",
                                  talk_seconds=(2.7, 3.3),
                                  attempts=[("8001", "no_answer"), ("Local/13900000009@mobile", "answered")],
                                  attempt_rings=[3.0, 1.0]),
    # an IVR that ends the call itself (Hangup() after 2 s): the system hung up
    "foreign_ivr_hangup": dict(dialed="503", disposition="ivr", agent=None, hangup_first="system", attempts=[]),
    # the caller's own side runs Hangup() 1 s into the IVR: the caller hung up
    # 8001 rings; after 1.8 s phone 8002 picks the call up (directed pickup: until then a call of its
    # own, which Asterisk then files under the caller's Linkedid — one record, not two), talks 3 s
    # and hangs up. The caller rang 1.8 s in all.
    "foreign_dial_pickup": dict(direction="inbound", dialed="500", disposition="answered", agent="8002",
                                final_agent="8002", ring_seconds=1.8, rings=2, within_4_rings=True,
                                hangup_first="agent", talk_seconds=(2.7, 3.3),
                                attempts=[("8001", "cancelled"), ("8002", "answered")]),
    # the same by group pickup: 8001 rung in call group 1, phone 8002 dials *8 (Pickup() in its pickup group)
    "foreign_dial_group_pickup": dict(dialed="505", disposition="answered", agent="8002", final_agent="8002",
                                      ring_seconds=1.8, within_4_rings=True, hangup_first="agent",
                                      talk_seconds=(2.7, 3.3), attempts=[("8001", "cancelled"), ("8002", "answered")]),
    # the same, the pickup dialled by the phone itself: 8001 rings; 1.5 s later the user of phone 8002
    # dials **8001 (PickupChan, the phone's own INVITE answering Asterisk's digest challenge), talks
    # 3 s from the phone's answer and hangs up
    "foreign_phone_pickup": dict(direction="inbound", dialed="500", disposition="answered", agent="8002",
                                 final_agent="8002", ring_seconds=(1.5, 2.5), within_4_rings=True, hangup_first="agent",
                                 talk_seconds=(2.0, 3.2), attempts=[("8001", "cancelled"), ("8002", "answered")]),
    # the agent's own phone keys (SIP INFO DTMF, features.conf #1 / *2) on 506 (Dial(…,tT), transfers
    # into [transfer]): 8001 answers after 1 s, 1.5 s later presses #1 then 8002; 8002 answers
    # after 1 s; the caller hangs up 12 s in (talk: 12 s less the ring and 8002's ring)
    # (#1 holds the caller until the transfer: 2.56 s)
    "foreign_keys_blind": dict(dialed="506", disposition="answered", agent="8001", final_agent="8002",
                               ring_seconds=1.0, hangup_first="caller", talk_seconds=(9.5, 10.5),
                               transfers=[("blind", "8001", "8002")], holds=1, hold_seconds=2.56),
    # *2 then 8002: 8002 answers after 1 s, 8001 hangs up 4 s after its keys (completing the
    # transfer); the caller talks with 8002 until it hangs up 14 s in
    "foreign_keys_attended": dict(dialed="506", disposition="answered", agent="8001", final_agent="8002",
                                  ring_seconds=1.0, hangup_first="caller", talk_seconds=(8.2, 9.2),
                                  transfers=[("attended", "8001", "8002")]),
    # the phone's own transfer (SIP REFER to 8002, 1.5 s after answering): 8002 answers after 1 s;
    # the caller hangs up 10 s in
    "foreign_refer_blind": dict(dialed="506", disposition="answered", agent="8001", final_agent="8002",
                                ring_seconds=1.0, hangup_first="caller", talk_seconds=(7.5, 8.5),
                                transfers=[("blind", "8001", "8002")],
                                attempts=[("8001", "answered"), ("8002", "answered")]),
    # Dial(…,tT): 8001 answers after 1 s, 1.5 s later transfers attended to 8002 (answers after 1 s),
    # 1 s later hangs up; the caller talks with 8002 until it hangs up 10 s in
    "foreign_dial_attended": dict(dialed="504", disposition="answered", agent="8001", final_agent="8002",
                                  ring_seconds=1.0, hangup_first="caller", talk_seconds=(8.0, 9.0),
                                  transfers=[("attended", "8001", "8002")]),
    # 8001 transfers the caller blind back to itself: a blind transfer, not a redirect
    "foreign_dial_blind_back": dict(dialed="504", disposition="answered", agent="8001", final_agent="8001",
                                    ring_seconds=1.0, hangup_first="caller", transfers=[("blind", "8001", "8001")],
                                    attempts=[("8001", "answered"), ("8001", "answered")]),
    # the same on 500 (no transfer features in Dial: only the AMI action transfers)
    "foreign_dial_blind_back_plain": dict(dialed="500", disposition="answered", agent="8001", final_agent="8001",
                                          hangup_first="caller", transfers=[("blind", "8001", "8001")],
                                          talk_seconds=(5.7, 6.3)),
    # "blonde": 8001 starts an attended transfer to 8002 and hangs up while 8002 still rings; 8002
    # answers and talks with the caller until the caller hangs up 12 s in; 8001's hold ends when
    # it hands the caller on (AttendedTransfer, 1.26 s after its Hold), not at its hang-up 2 s later
    "foreign_dial_blonde": dict(dialed="504", disposition="answered", agent="8001", final_agent="8002",
                                ring_seconds=1.0, hangup_first="caller", talk_seconds=(9.5, 10.5),
                                transfers=[("attended", "8001", "8002")], holds=1, hold_seconds=1.26),
    # 8001 hands the caller (attended) to extension 600, an announcement no agent answers, which
    # then ends the call: the transfer went to 600, the system hung up
    "foreign_dial_attended_app": dict(dialed="504", disposition="answered", agent="8001", final_agent="8001",
                                      transfers=[("attended", "8001", "600")], hangup_first="system"),
    # another application's click-to-dial (Originate Local/8001@click-agent into [click] at the
    # customer's number): 8001 answers after 1 s, the customer after 1 s more and hangs up 3.5 s later
    "foreign_click_answered": dict(direction="outbound", disposition="answered", agent="8001", final_agent="8001",
                                   dialed="13900000009", caller_number="13900000009", hangup_first="caller",
                                   talk_seconds=(3.2, 3.8), transfers=[]),
    # the customer's line is busy: not answered; the dialplan ends the call after Dial — the system
    "foreign_click_busy": dict(direction="outbound", disposition="no_answer", agent="8001", dialed="13900000008",
                               caller_number="13900000008", talk_seconds=None, hangup_first="system"),
    # 8001 hands the customer blind to 8002, who talks until the customer hangs up
    "foreign_click_transfer": dict(direction="outbound", disposition="answered", agent="8001", final_agent="8002",
                                   dialed="13900000007", transfers=[("blind", "8001", "8002")], hangup_first="caller",
                                   talk_seconds=(7.0, 8.0)),
    # an agent dialling a customer straight from the desk phone: phone 8001 dials 13900000009 (its
    # own INVITE into [agents-phone-out], out through the trunk: Dial(Local/<number>@trunk)); the
    # customer answers after 1 s and the agent hangs up 3 s later — outbound, placed by the phone's
    # agent, the dialled number the customer's (no internal_number_pattern number)
    "foreign_phone_trunk_out": dict(direction="outbound", disposition="answered", agent="8001", final_agent="8001",
                                    dialed="13900000009", caller_number="13900000009", hangup_first="agent",
                                    talk_seconds=3.0, attempts=[], transfers=[]),
    # the same to 13900000006, which rings until the trunk's Dial gives up after 5 s: the system ended it
    "foreign_phone_trunk_no_answer": dict(direction="outbound", disposition="no_answer", agent="8001",
                                          dialed="13900000006", caller_number="13900000006", answered_at=None,
                                          talk_seconds=None, hangup_first="system", attempts=[]),
    # the same number, the agent hanging up after 2 s of ringing (the phone's CANCEL): the agent ended it
    "foreign_phone_trunk_agent_cancels": dict(direction="outbound", disposition="no_answer", agent="8001",
                                              dialed="13900000006", caller_number="13900000006", answered_at=None,
                                              talk_seconds=None, hangup_first="agent", attempts=[]),
    "foreign_ivr_caller_leaves": dict(dialed="503", disposition="ivr", agent=None, hangup_first="caller",
                                      attempts=[]),
    # --- from tests/captures/foreign_more/: members the SIP phones themselves (PJSIP/8001 Alice,
    # PJSIP/8002 Bob); rrmemory `support` at 410 (3 s per member, 1 s retry, context=queue-exit,
    # VoiceMail() on its timeout), unstaffed `empty` at 411 (joinempty = no), `sales` at 412
    # (leavewhenempty, VoiceMail() after), transfers to 420 (queue `second`: Bob) and 700 (parking)
    # nobody answers; 4 s after the line answered the caller presses 5 and the queue's context= takes
    # it to a goodbye and Hangup(): the caller gave up waiting (abandoned), the dialplan hung up
    "foreign_queue_key_exit": dict(dialed="410", queue="support", disposition="abandoned", agent=None,
                                   final_agent=None, answered_at=None, ring_seconds=None, wait_seconds=(4.0, 4.4),
                                   hangup_first="system", talk_seconds=None,
                                   attempts=[("Alice", "no_answer"), ("Bob", "cancelled")]),
    # nobody answers; the queue lets the caller go after 10 s (QUEUESTATUS=TIMEOUT) to VoiceMail(),
    # which answers nothing an agent did: the caller leaves a message and hangs up 14 s in
    "foreign_queue_timeout_voicemail": dict(dialed="410", queue="support", disposition="timeout", agent=None,
                                            final_agent=None, answered_at=None, ring_seconds=None,
                                            wait_seconds=10.0, hangup_first="caller", talk_seconds=None,
                                            attempts=[("Alice", "no_answer"), ("Bob", "no_answer"),
                                                      ("Alice", "no_answer")], attempt_rings=[3.0, 3.0, 2.0]),
    # `empty` has no member: the caller never joins (QUEUESTATUS=JOINEMPTY; no queue event names
    # the queue, the capture's Newexten are filtered out: see test_a_refused_caller_names_its_queue),
    # hears a goodbye, the dialplan hangs up: no agent to take it (无坐席)
    "foreign_queue_joinempty": dict(dialed="411", queue=None, queued_at=None, disposition="no_agent", agent=None,
                                    final_agent=None, answered_at=None, wait_seconds=None, hangup_first="system",
                                    attempts=[], transfers=[]),
    # the same call through a foreign Asterisk's listener user (no eventfilter): the dialplan's
    # Newexten running Queue(empty,…) names the queue
    "foreign_queue_joinempty_unfiltered": dict(dialed="411", queue="empty", queued_at=None, disposition="no_agent",
                                               agent=None, final_agent=None, answered_at=None, wait_seconds=None,
                                               hangup_first="system", attempts=[], transfers=[]),
    # Alice (QueueAdd) rings out; removed (QueueRemove) 2 s after the caller joined, the queue is
    # empty and throws the caller out at the end of that ring (LEAVEEMPTY, though app_queue also
    # logs QueueCallerAbandon) to VoiceMail(); the caller hangs up 12 s in: no agent left (无坐席)
    "foreign_queue_leaveempty": dict(dialed="412", queue="sales", disposition="no_agent", agent=None,
                                     answered_at=None, wait_seconds=3.0, hangup_first="caller", talk_seconds=None,
                                     attempts=[("Alice", "no_answer")]),
    # Alice answers after 1 s, 1.5 s later transfers the caller blind to 700 (parked at 701); 1.8 s
    # later Bob's phone takes it from the lot (ParkedCall), talks 3 s and hangs up: one record,
    # answered by Alice, ended with Bob; talk is the time with an agent (1.6 s + 3 s), not parked
    "foreign_park_pickup": dict(dialed="410", queue="support", disposition="answered", agent="Alice",
                                final_agent="Bob", ring_seconds=1.0, hangup_first="agent", talk_seconds=(4.3, 4.9),
                                transfers=[("blind", "Alice", "700")], attempts=[("Alice", "answered")],
                                transferred_out=None),
    # Alice answers after 1 s; 1.5 s later a supervisor listens in (Local/555@supervisor running
    # ChanSpy(PJSIP/8001,q)) for 4 s: no record of its own, the spied call unchanged; the caller
    # hangs up 9 s in
    "foreign_chanspy": dict(dialed="410", queue="support", disposition="answered", agent="Alice",
                            final_agent="Alice", ring_seconds=1.0, hangup_first="caller", talk_seconds=(7.7, 8.3),
                            transfers=[], attempts=[("Alice", "answered")]),
    # Alice answers after 1 s, 1.5 s later transfers the caller blind to 420 (queue `second`), where
    # Bob answers after 1 s and talks until the caller hangs up 12 s in
    "foreign_queue_to_queue": dict(dialed="410", queue="support", disposition="answered", agent="Alice",
                                   final_agent="Bob", ring_seconds=1.0, wait_seconds=1.0, hangup_first="caller",
                                   talk_seconds=(9.7, 10.3), transfers=[("blind", "Alice", "420")],
                                   attempts=[("Alice", "answered"), ("Bob", "answered")]),
    # --- from tests/captures/foreign_ops/ (ops.py): `ops` at 430 (Alice's phone, PJSIP/8001),
    # `locals` at 431 (Local/800X@ops-members/n members), 432 `ops` with a survey after (Queue option c)
    # Alice answers after 1 s, 1.5 s later holds (re-INVITE sendonly: Hold, the caller's music on
    # hold), 3 s later takes the call back (Unhold), 2 s later hangs up: she stayed bridged with
    # the caller, so the hold is talk time (1.5 + 3 + 2 s): one hold of 3 s
    "foreign_hold_resume": dict(dialed="430", queue="ops", disposition="answered", agent="Alice",
                                final_agent="Alice", ring_seconds=1.0, hangup_first="agent", talk_seconds=6.5,
                                transfers=[], attempts=[("Alice", "answered")], holds=1, hold_seconds=3.0),
    # Alice answers after 1 s; 1.5 s later starts an attended transfer to Bob (Atxfer to 8002), whose
    # phone rings 3 s unanswered (atxfernoanswertimeout): the consultation is given up, no transfer
    # event, Alice is back with the caller and hangs up 3 s later. A consultation given up, listed
    # when Alice was back (3 s after the Atxfer reached Asterisk, 2 s in), no transfer: no final
    # agent but Alice, nothing transferred out; talk is the time Alice was bridged with the caller
    # (1.5 s + 3 s), not the 3 s the caller waited on music — those are hold (Atxfer's Hold 0.25 s
    # before Alice left the caller's bridge, to her Unhold back)
    "foreign_atxfer_abandoned": dict(dialed="430", queue="ops", disposition="answered", agent="Alice",
                                     final_agent="Alice", ring_seconds=1.0, hangup_first="agent", talk_seconds=5.0,
                                     transfers=[("attended", "Alice", "Bob")], transfer_results=[GIVEN_UP],
                                     transfer_after_answer=[5.0], transferred_out=None,
                                     attempts=[("Alice", "answered")], holds=1, hold_seconds=3.25),
    # Alice consults Bob (Atxfer to 8002) 1.5 s after answering; Bob answers after 1 s, talks 2 s and
    # hangs up; Alice is back with the caller and hangs up 2 s later: a consultation given up, no
    # transfer, talk 2 s + 2 s
    "foreign_atxfer_consult_back": dict(dialed="430", queue="ops", disposition="answered", agent="Alice",
                                        final_agent="Alice", ring_seconds=1.0, hangup_first="agent",
                                        talk_seconds=(3.7, 4.3), transfers=[("attended", "Alice", "Bob")],
                                        transfer_results=[GIVEN_UP], transferred_out=None,
                                        attempts=[("Alice", "answered")]),
    # Alice consults an outside number (Atxfer to 13900000009, out through the trunk), which answers
    # after 1 s; 1.5 s later she hangs up, completing the transfer (AttendedTransfer DestType Bridge,
    # no target named); the far end hangs up 4 s after answering: transferred to that number, no
    # final agent, the far end's hang-up the system's: transferred outside, to that number
    "foreign_atxfer_out": dict(dialed="430", queue="ops", disposition="answered", agent="Alice", final_agent=None,
                               ring_seconds=1.0, hangup_first="system", talk_seconds=(5.1, 5.7),
                               transfers=[("attended", "Alice", "13900000009")], attempts=[("Alice", "answered")],
                               transferred_out="13900000009"),
    # Alice answers after 1 s; 1.5 s later transfers the caller blind to 13900000009, out through
    # the trunk, whose far end answers after 1 s and hangs up 4 s later: the call ended with no
    # agent (final agent none), the far end's hang-up is the system's — no agent cut the caller off:
    # transferred outside, to that number
    "foreign_transfer_out": dict(dialed="430", queue="ops", disposition="answered", agent="Alice", final_agent=None,
                                 ring_seconds=1.0, hangup_first="system", talk_seconds=5.5,
                                 transfers=[("blind", "Alice", "13900000009")], attempts=[("Alice", "answered")],
                                 transferred_out="13900000009"),
    # Local/8001@ops-members/n (Alice) rings out after 3 s; 1 s later Local/8002@ops-members/n
    # (Bob), whose phone answers after 1 s; the members stay Local (/n); the caller hangs up 10 s in
    "foreign_local_members": dict(dialed="431", queue="locals", disposition="answered", agent="Bob", final_agent="Bob",
                                  ring_seconds=1.0, wait_seconds=5.0, hangup_first="caller", talk_seconds=5.0,
                                  attempts=[("Alice", "no_answer"), ("Bob", "answered")], attempt_rings=[3.0, 1.0]),
    # Alice answers after 1 s; 1.5 s later the caller and Alice are redirected together into
    # ConfBridge room `ops`; 1.5 s later Bob is added (an originated PJSIP/8002 into the room: a leg
    # of the conference, no record of its own), talks 3 s and leaves; the caller hangs up 12 s in,
    # Alice 1 s after: one record, no transfer (nobody was handed on), Alice to the end
    "foreign_confbridge": dict(dialed="430", queue="ops", disposition="answered", agent="Alice", final_agent="Alice",
                               ring_seconds=1.0, hangup_first="caller", talk_seconds=11.0, transfers=[],
                               attempts=[("Alice", "answered")]),
    # Alice answers after 1 s, talks 3 s and hangs up; the caller goes on (Queue option c) to a
    # survey (Read of one key: 4), then the dialplan thanks and hangs up: the agent hung up first
    "foreign_survey": dict(dialed="432", queue="ops", disposition="answered", agent="Alice", final_agent="Alice",
                           ring_seconds=1.0, hangup_first="agent", talk_seconds=3.0, transfers=[],
                           attempts=[("Alice", "answered")]),
    # --- from tests/captures/foreign_cti/ (cti.py): another application's CTI acting through AMI;
    # `cti` at 440 (PJSIP/8001 Alice then PJSIP/8002 Bob, 4 s each, 1 s retry), `cti-locals` at 441
    # (Local/800X@cti-members members WITHOUT /n: they optimise away once answered, leaving the
    # phone's own channel with the caller), `autop` at 442 (autopause, 3 s each), Alice's direct
    # line 446 (Dial(…,G(…)) then Bridge()), the CTI's holding line 447
    # Alice's Local member rings out (4 s), 1 s later Bob's, answered after 1 s and optimised
    # away; the caller hangs up 12 s in: answered by Bob after 6 s of waiting
    "foreign_cti_local_answered": dict(dialed="441", queue="cti-locals", disposition="answered", agent="Bob",
                                       final_agent="Bob", ring_seconds=1.0, wait_seconds=6.0, hangup_first="caller",
                                       talk_seconds=6.0, transfers=[], attempts=[("Alice", "no_answer"),
                                                                                 ("Bob", "answered")],
                                       attempt_rings=[4.0, 1.0]),
    # Alice answers after 1 s (her Local member optimises away: PJSIP/8001 is left with the caller);
    # the CTI's Atxfer of that channel to Bob, who answers after 1 s; 1 s later the CTI hangs Alice
    # up, completing the transfer; the caller talks with Bob until it hangs up 14 s in. The
    # transferer is the phone behind Alice's Local member (its StateInterface). The caller on music
    # while Alice consulted: a hold, not talk
    "foreign_cti_local_atxfer": dict(dialed="441", queue="cti-locals", disposition="answered", agent="Alice",
                                     final_agent="Bob", ring_seconds=1.0, wait_seconds=1.0, hangup_first="caller",
                                     talk_seconds=(10.6, 11.3), transfers=[("attended", "Alice", "Bob")],
                                     attempts=[("Alice", "answered")], holds=1, hold_seconds=(2.0, 2.5)),
    # Alice answers after 1 s; 1.5 s later the CTI redirects both legs (Redirect with ExtraChannel):
    # the caller to queue `second`, Alice's leg to a beep and Hangup(); Bob answers after 1 s; the
    # caller hangs up 14 s in: a redirect to 420, the second queue's ring not talk
    "foreign_cti_redirect_queue": dict(dialed="440", queue="cti", disposition="answered", agent="Alice",
                                       final_agent="Bob", ring_seconds=1.0, wait_seconds=1.0, hangup_first="caller",
                                       talk_seconds=(11.7, 12.2), transfers=[("redirect", "Alice", "420")],
                                       attempts=[("Alice", "answered"), ("Bob", "answered")]),
    # the CTI pauses Alice (QueuePause) 1.5 s into her ring: app_queue lets her phone ring on to
    # its 4 s; Bob answers after 1 s of his ring, talks 3 s and hangs up
    "foreign_cti_pause_midring": dict(dialed="440", queue="cti", disposition="answered", agent="Bob", final_agent="Bob",
                                      ring_seconds=1.0, wait_seconds=6.0, hangup_first="agent", talk_seconds=3.0,
                                      attempts=[("Alice", "no_answer"), ("Bob", "answered")], attempt_rings=[4.0, 1.0]),
    # autopause: Alice rings out (3 s) and the queue pauses her; Bob answers after 1 s, talks 3 s
    "foreign_cti_autopause": dict(dialed="442", queue="autop", disposition="answered", agent="Bob", final_agent="Bob",
                                  ring_seconds=1.0, wait_seconds=5.0, hangup_first="agent", talk_seconds=3.0,
                                  attempts=[("Alice", "no_answer"), ("Bob", "answered")], attempt_rings=[3.0, 1.0]),
    # `wrap` at 443: Alice answers after 1 s and talks 8 s while another CTI adds and removes a
    # member of other queues (the desk's follow: tests/hotline/desk/test_pbx_members.py): the
    # call's record is Alice's alone
    "foreign_cti_members": dict(dialed="443", queue="wrap", disposition="answered", agent="Alice",
                                final_agent="Alice", ring_seconds=1.0, wait_seconds=1.0, hangup_first="agent",
                                talk_seconds=8.0, attempts=[("Alice", "answered")], attempt_rings=[1.0]),
    # `announce` at 445 (position and periodic announcements; Alice never answers): the caller
    # hangs up 5 s in, during the periodic announcement — abandoned, Alice's ring cancelled
    "foreign_cti_announce_hangup": dict(dialed="445", queue="announce", disposition="abandoned", agent=None,
                                        answered_at=None, wait_seconds=5.0, hangup_first="caller", talk_seconds=None,
                                        attempts=[("Alice", "cancelled")], attempt_rings=[5.0]),
    # Dial(PJSIP/8001,15,G(cti-split^s^1)): Alice answers after 1 s; G() splits the legs, Alice's
    # hears a beep (0.45 s) and Bridge() joins her back to the caller; she hangs up 6 s after
    # answering: answered by Alice, talk from the bridge back on, no transfer
    "foreign_cti_dial_g_bridge": dict(dialed="446", queue=None, disposition="answered", agent="Alice",
                                      final_agent="Alice", ring_seconds=1.0, hangup_first="agent",
                                      talk_seconds=(5.3, 5.8), transfers=[], attempts=[("Alice", "answered")]),
    # the caller waits on the CTI's holding line (447, no queue, no Dial); 2 s in the CTI originates
    # Bob's phone into Bridge(<the caller's channel>); Bob answers after 1 s, talks 4 s and hangs
    # up: answered by Bob when they were bridged (his phone's ring was none of the caller's)
    "foreign_cti_bridge_app": dict(queue=None, disposition="answered", agent="Bob", final_agent="Bob",
                                   ring_seconds=None, hangup_first="agent", talk_seconds=4.0, transfers=[],
                                   attempts=[]),
    # Alice answers after 1 s; 1.5 s later the CTI moves the caller to Bob with the dialplan
    # application ChannelRedirect(<caller>,transfer,8002,1), run on a Local helper it originates
    # (a call of its own: none in the records, nobody outside the PBX took part); Bob answers
    # after 1 s; the caller hangs up 14 s in: a redirect from Alice to 8002, Bob's ring not talk
    "foreign_cti_channel_redirect": dict(dialed="440", queue="cti", disposition="answered", agent="Alice",
                                         final_agent="Bob", ring_seconds=1.0, wait_seconds=1.0,
                                         hangup_first="caller", talk_seconds=(11.7, 12.2),
                                         transfers=[("redirect", "Alice", "8002")],
                                         attempts=[("Alice", "answered"), ("Bob", "answered")]),
    # on 448 (Queue(cti) without t) the CTI's Atxfer of Alice's channel 1.5 s after she answered
    # is refused (the member may not transfer: the feature code reaches the caller as tones): no
    # transfer, no hold, Alice to the end; the caller hangs up 10 s in
    "foreign_cti_atxfer_refused": dict(dialed="448", queue="cti", disposition="answered", agent="Alice",
                                       final_agent="Alice", ring_seconds=1.0, hangup_first="caller", talk_seconds=9.0,
                                       transfers=[], attempts=[("Alice", "answered")], holds=0, hold_seconds=0.0),
    # waiting in `announce` (Alice ringing) the caller is taken out by the CTI 3 s in (Redirect to
    # 8002@transfer; app_queue logs QueueCallerAbandon) and Bob answers after 1 s: answered by Bob,
    # not abandoned — the wait runs to his answer; Alice's ring cancelled; the caller hangs up 12 s in
    "foreign_cti_redirect_waiting": dict(dialed="445", queue="announce", disposition="answered", agent="Bob",
                                         final_agent="Bob", ring_seconds=1.0, wait_seconds=4.0,
                                         hangup_first="caller", talk_seconds=8.0, transfers=[],
                                         attempts=[("Alice", "cancelled"), ("Bob", "answered")],
                                         attempt_rings=[3.0, 1.0]),
    # --- from tests/captures/foreign_agents/: app_agent_pool (agents.conf; agents log in from their
    # SIP phones with AgentLogin and stay on that call; members Local/<id>@agent-pool into
    # AgentRequest, state Agent:<id>; `pool` at 450 names them Alice (1001, connected after a beep)
    # and Bob (1002, must press #), `pool-plain` at 451 leaves them unnamed). The agent's login call
    # is no record; the caller's channels take its Linkedid once bridged with the agent.
    # Alice's phone hangs up 6.3 s into the talk (which logs her off): the agent ended it
    "foreign_agents_answered": dict(dialed="450", queue="pool", disposition="answered", agent="Alice",
                                    final_agent="Alice", ring_seconds=0.47, wait_seconds=0.47, rings=1,
                                    hangup_first="agent", talk_seconds=6.3, transfers=[],
                                    attempts=[("Alice", "answered")]),
    # the caller hangs up 5 s after joining; Alice stays logged in. Her member is unnamed in this
    # queue: the attempt and the answer are named by the interface (her login channel as the
    # member that handed it the call)
    "foreign_agents_caller_hangs_up": dict(dialed="451", queue="pool-plain", disposition="answered",
                                           agent="Local/1001@agent-pool", final_agent="Local/1001@agent-pool",
                                           ring_seconds=0.45, wait_seconds=0.45, hangup_first="caller",
                                           talk_seconds=4.53, attempts=[("Local/1001@agent-pool", "answered")]),
    # Bob (ackcall) hears the call's beep but never presses #; the caller hangs up 4 s in
    "foreign_agents_abandon": dict(dialed="450", queue="pool", disposition="abandoned", agent=None, final_agent=None,
                                   hangup_first="caller", wait_seconds=4.0, ring_seconds=None, talk_seconds=None,
                                   attempts=[("Bob", "cancelled")], attempt_rings=[4.0]),
    # Bob (ackcall) is offered the caller and presses # 1.6 s in (SIP INFO): the answer is his
    # key, not the offer (the beep); the caller hangs up 10 s after joining
    "foreign_agents_ackcall": dict(dialed="450", queue="pool", disposition="answered", agent="Bob", final_agent="Bob",
                                   ring_seconds=1.78, rings=2, wait_seconds=1.78, hangup_first="caller",
                                   talk_seconds=8.2, attempts=[("Bob", "answered")]),
    # Bob (ackcall) is offered the caller; 2 s in AMI AgentLogoff logs him off (his ring: no
    # answer); the queue keeps the caller until its 12 s timeout
    "foreign_agents_logoff_waiting": dict(dialed="450", queue="pool", disposition="timeout", agent=None,
                                          final_agent=None, hangup_first="system", wait_seconds=12.0,
                                          attempts=[("Bob", "no_answer")], attempt_rings=[2.0]),
    # FreePBX-shaped (tests/captures/foreign_freepbx/): the trunk's call through ext-queues' Gosub
    # layers (MixMonitor on the caller's channel) into queue 440 (ringall, 3 s rings 2 s apart),
    # members Local/<ext>@from-queue/n whose legs dial Local/<ext>@from-internal, which dials the
    # phone. Both ring; Alice answers after 1 s; the caller hangs up 10 s in
    "foreign_freepbx_answered": dict(dialed="440", queue="440", disposition="answered", agent="Alice",
                                     final_agent="Alice", ring_seconds=1.0, rings=2, within_4_rings=True,
                                     wait_seconds=1.0, talk_seconds=9.0, hangup_first="caller", transfers=[],
                                     recording=True, holds=0,
                                     attempt_set={("Alice", "answered"), ("Bob", "cancelled")}),
    # Alice answers after 1 s, talks 3 s and hangs up
    "foreign_freepbx_agent_hangs_up": dict(dialed="440", queue="440", disposition="answered", agent="Alice",
                                           final_agent="Alice", ring_seconds=1.0, within_4_rings=True,
                                           talk_seconds=3.0, hangup_first="agent", transfers=[],
                                           attempt_set={("Alice", "answered"), ("Bob", "cancelled")}),
    # nobody answers: both ring out (3 s), ring again 2 s later; the caller gives up 6 s in
    "foreign_freepbx_abandon": dict(dialed="440", queue="440", disposition="abandoned", agent=None, final_agent=None,
                                    answered_at=None, ring_seconds=None, within_4_rings=None, wait_seconds=6.0,
                                    talk_seconds=None, hangup_first="caller", recording=True,
                                    attempt_set={("Alice", "no_answer"), ("Bob", "no_answer"), ("Alice", "cancelled"),
                                                 ("Bob", "cancelled")}, attempt_rings=[3.0, 3.0, 0.95, 0.95]),
    # nobody answers in the queue (Bob's phone answers only after 4.5 s of ringing, the queue rings
    # 3 s): after 12 s the queue lets the caller go (TIMEOUT) to its failover destination, ring group
    # 600 (Dial(Local/8001@from-internal&Local/8002@from-internal)); Bob answers there after 4.5 s,
    # talks 3 s and hangs up: answered by Bob (wait from the queue entry to his answer), 5 rings
    "foreign_freepbx_failover": dict(dialed="440", queue="440", disposition="answered", agent="Bob", final_agent="Bob",
                                     ring_seconds=4.5, rings=5, within_4_rings=False, wait_seconds=16.5,
                                     talk_seconds=3.0, hangup_first="agent", transfers=[], holds=0,
                                     attempts=[("Bob", "no_answer"), ("Alice", "no_answer")] * 3
                                     + [("Alice", "cancelled"), ("Bob", "answered")],
                                     attempt_rings=[3.0, 3.0, 3.0, 3.0, 2.0, 2.0, 4.5, 4.5]),
    # Alice answers after 0.5 s; 1.5 s later her phone transfers the caller blind to 8002 in
    # from-internal, which Bob answers after 1.5 s; the caller hangs up 12 s in. Alice's Local member
    # (/n) stays in the caller's bridge to the end, its other half now bridged with Bob's phone: the
    # caller's final agent is Bob
    "foreign_freepbx_blind_transfer": dict(dialed="440", queue="440", disposition="answered", agent="Alice",
                                           final_agent="Bob", ring_seconds=0.5, within_4_rings=True,
                                           talk_seconds=11.5, hangup_first="caller", transfer_after_answer=[1.5],
                                           transfers=[("blind", "Alice", "8002")], transfer_results=["Success"],
                                           attempt_set={("Alice", "answered"), ("Bob", "cancelled")}),
    # Alice answers after 0.5 s; 1.5 s later her phone transfers the caller attended (Atxfer) to 8002
    # in from-internal; Bob answers after 1.5 s and Alice completes the transfer by hanging up 2 s
    # later (the caller held meanwhile); Bob talks until the caller hangs up 14 s in
    "foreign_freepbx_attended_transfer": dict(dialed="440", queue="440", disposition="answered", agent="Alice",
                                              final_agent="Bob", ring_seconds=0.5, within_4_rings=True,
                                              talk_seconds=13.5, hangup_first="caller", holds=1,
                                              transfers=[("attended", "Alice", "Bob")], transfer_results=["Success"],
                                              attempt_set={("Alice", "answered"), ("Bob", "cancelled")}),
    # nobody answers; 4 s in the caller presses 1: the queue's context= (ivr-3, FreePBX's break-out
    # IVR) sends it to voicemail, where it leaves a message and hangs up 12 s in: given up, by the caller
    "foreign_freepbx_key_exit": dict(dialed="440", queue="440", disposition="abandoned", agent=None, final_agent=None,
                                     answered_at=None, ring_seconds=None, wait_seconds=(4.0, 4.4), talk_seconds=None,
                                     hangup_first="caller", attempt_set={("Alice", "no_answer"), ("Bob", "no_answer")}),
    # --- from tests/captures/foreign_rules/ (rules.py): queue rules of an operator's dialplan;
    # `accept` at 460 (Local/800X@accept-members/n members whose leg dials the phone with Dial's
    # U(): the phone's user accepts with key 1 after a beep, any other key or none in 3 s refuses
    # it), `escalate` at 461 (a queue rule moving the caller to penalty 1), `wrapup` at 462 (Queue
    # option F), `ordered` at 464 (rrordered), `announced` at 465 (a periodic announcement, a key
    # out); the two-caller captures (leastrecent, wrandom, fewestcalls) are test_foreign_rules.py's
    # Alice's phone answers after 1 s and her user presses 2 (refuses) 1.5 s later: the queue rings
    # Bob at once, whose phone answers after 1 s and whose user presses 1 1.5 s later; the caller
    # hangs up 20 s in. Alice, whose phone was up, never had the caller: not the agent, her attempt
    # declined (app_queue: a ring-out), rung until her phone answered (1 s: the prompt is no ring);
    # Bob's ring runs to his key (the connection, R-ANS-4RINGS), as an ackcall's does
    "foreign_rules_accept_refused": dict(dialed="460", queue="accept", disposition="answered", agent="Bob",
                                         final_agent="Bob", ring_seconds=2.5, rings=3, within_4_rings=True,
                                         wait_seconds=5.0, talk_seconds=15.0, hangup_first="caller", transfers=[],
                                         attempts=[("Alice", "declined"), ("Bob", "answered")],
                                         attempt_rings=[1.0, 2.5]),
    # Alice's phone answers after 1 s and hangs up on the prompt 1.5 s later, pressing nothing. Dial
    # takes a U() gosub ended by a hang-up for an accept: app_queue connects the caller to her dead
    # leg, and the call ends there (the foreign dialplan's flaw) — Bob is never rung. Nobody ever
    # talked with the caller: Alice declined (rung 1 s, to her phone's answer), no agent, the queue
    # let the caller go unanswered (timeout: a missed call, R-MISSED-CALLBACK), the system hung up
    "foreign_rules_accept_hung_up": dict(dialed="460", queue="accept", disposition="timeout", agent=None,
                                         final_agent=None, answered_at=None, ring_seconds=None, rings=None,
                                         within_4_rings=None, wait_seconds=2.5, talk_seconds=None,
                                         hangup_first="system", transfers=[], attempts=[("Alice", "declined")],
                                         attempt_rings=[1.0]),
    # Alice's phone answers after 1 s, her user presses nothing; the caller hangs up 3 s in while the
    # accept prompt waits: given up, nobody answered it
    "foreign_rules_accept_abandoned": dict(dialed="460", queue="accept", disposition="abandoned", agent=None,
                                           final_agent=None, answered_at=None, ring_seconds=None,
                                           within_4_rings=None, wait_seconds=3.0, talk_seconds=None,
                                           hangup_first="caller", attempts=[("Alice", "cancelled")],
                                           attempt_rings=[3.0]),
    # only Alice (penalty 0) rings, twice (3 s, 1 s retry); 5 s in the rule `overflow` moves the
    # caller to penalty 1: the next cycle rings Bob alone, who answers after 1 s, talks 2 s, hangs up
    "foreign_rules_penalty_overflow": dict(dialed="461", queue="escalate", disposition="answered", agent="Bob",
                                           final_agent="Bob", ring_seconds=1.0, within_4_rings=True, wait_seconds=9.0,
                                           talk_seconds=2.0, hangup_first="agent", transfers=[],
                                           attempts=[("Alice", "no_answer"), ("Alice", "no_answer"),
                                                     ("Bob", "answered")], attempt_rings=[3.0, 3.0, 1.0]),
    # Alice answers after 1 s; the caller hangs up 6 s in; her channel goes on (F) to enter a wrap-up
    # code, 2 s more: the call's end is the caller's (test_foreign_rules.py)
    "foreign_rules_agent_wrapup": dict(dialed="462", queue="wrapup", disposition="answered", agent="Alice",
                                       final_agent="Alice", ring_seconds=1.0, wait_seconds=1.0, talk_seconds=5.0,
                                       hangup_first="caller", transfers=[], attempts=[("Alice", "answered")]),
    # `announced` (465): Alice rings out (3 s); 5 s later the periodic announcement plays before her
    # next ring, and during it (9 s in) the caller presses 5: the queue's context= takes it to a
    # goodbye and Hangup(): the caller gave up waiting (abandoned), the dialplan hung up
    "foreign_rules_announce_key_exit": dict(dialed="465", queue="announced", disposition="abandoned", agent=None,
                                            final_agent=None, answered_at=None, ring_seconds=None,
                                            wait_seconds=(9.0, 9.4), hangup_first="system", talk_seconds=None,
                                            attempts=[("Alice", "no_answer")], attempt_rings=[3.0]),
    # rrordered: Alice rings out (3 s); 1 s later Bob, who answers after 1 s, talks 2 s, hangs up
    "foreign_rules_rrordered": dict(dialed="464", queue="ordered", disposition="answered", agent="Bob",
                                    final_agent="Bob", ring_seconds=1.0, wait_seconds=5.0, talk_seconds=2.0,
                                    hangup_first="agent", transfers=[], attempts=[("Alice", "no_answer"),
                                                                                  ("Bob", "answered")],
                                    attempt_rings=[3.0, 1.0]),
    # --- from tests/captures/foreign_accept/ (accept.py): phones that accept with a key, no Local
    # member in between (accept_prompt.py). 470: a ring group, Dial(PJSIP/8001&PJSIP/8002,20,
    # U(accept-abort)); Alice's phone answers after 1 s (Bob's ring is cancelled by it) and her user
    # presses 2 1.5 s later: GOSUB_RESULT=ABORT hangs up both legs. Alice declined (rung 1 s, to her
    # phone's answer: the prompt is no ring), nobody answered, the dialplan ended the call: failed,
    # as a ring group rung out is (foreign_dial_no_answer) — not given up by the caller
    "foreign_accept_ringgroup_abort": dict(direction="inbound", dialed="470", queue=None, disposition="failed",
                                           agent=None, final_agent=None, answered_at=None, ring_seconds=None,
                                           rings=None, within_4_rings=None, talk_seconds=None, hangup_first="system",
                                           transfers=[], attempts=[("Alice", "declined"), ("Bob", "cancelled")],
                                           attempt_rings=[1.0, 1.0]),
    # 471: the same, its prompt in the macro form M(accept), MACRO_RESULT=ABORT
    "foreign_accept_ringgroup_macro": dict(direction="inbound", dialed="471", queue=None, disposition="failed",
                                           agent=None, final_agent=None, answered_at=None, ring_seconds=None,
                                           within_4_rings=None, talk_seconds=None, hangup_first="system",
                                           attempts=[("Alice", "declined"), ("Bob", "cancelled")],
                                           attempt_rings=[1.0, 1.0]),
    # 472: a hunt, U(accept-busy): Alice's phone answers after 1 s, her user presses 2 1.5 s later
    # (GOSUB_RESULT=BUSY: Dial says BUSY) and the dialplan dials Bob, whose phone answers after 1 s
    # and whose user presses 1 1.5 s later; the caller hangs up 15 s in. Alice declined (rung 1 s);
    # Bob is the agent, his answer his key (Dial's ANSWER comes after the routine: 2.5 s)
    "foreign_accept_hunt": dict(direction="inbound", dialed="472", queue=None, disposition="answered", agent="Bob",
                                final_agent="Bob", ring_seconds=2.5, rings=3, within_4_rings=True,
                                talk_seconds=10.0, hangup_first="caller", transfers=[],
                                attempts=[("Alice", "declined"), ("Bob", "answered")], attempt_rings=[1.0, 2.5]),
    # 473 (`direct`: the phones are the members, Alice first, 8 s each; Queue()'s gosub argument is
    # the prompt): Alice's phone answers after 1 s (app_queue: ANSWER, the caller leaves the queue),
    # her user presses 2 1.5 s later and the routine hangs her channel up; app_queue connects the
    # caller to it all the same (AgentConnect) and the call ends — Bob is never rung. Alice declined
    # (rung 1 s), nobody answered: the queue let the caller go unanswered (timeout, a missed call
    # called back, R-MISSED-CALLBACK), the system hung up
    "foreign_accept_queue_refused": dict(direction="inbound", dialed="473", queue="direct", disposition="timeout",
                                         agent=None, final_agent=None, answered_at=None, ring_seconds=None,
                                         rings=None, within_4_rings=None, wait_seconds=1.0, talk_seconds=None,
                                         hangup_first="system", transfers=[], attempts=[("Alice", "declined")],
                                         attempt_rings=[1.0]),
    # 473: Alice's phone answers after 1 s, her user presses 1 1.5 s later and is connected; the
    # caller hangs up 10 s in. Her answer is the key that took the call (the connection, 2.5 s),
    # as a Local member's is (foreign_rules_accept_refused's Bob)
    "foreign_accept_queue_accepted": dict(direction="inbound", dialed="473", queue="direct", disposition="answered",
                                          agent="Alice", final_agent="Alice", ring_seconds=2.5, rings=3,
                                          within_4_rings=True, wait_seconds=2.5, talk_seconds=7.45,
                                          hangup_first="caller", transfers=[], attempts=[("Alice", "answered")],
                                          attempt_rings=[2.5]),
}


def _check(rec: dict, want: dict) -> None:
    for key, value in want.items():
        if key == "attempts":
            assert [(a["agent"], a["result"]) for a in rec["attempts"]] == value, rec["attempts"]
        elif key == "attempt_rings":
            got = [a["ring_seconds"] for a in rec["attempts"]]
            assert len(got) == len(value), got
            assert all(g is not None and abs(g - v) <= T for g, v in zip(got, value, strict=True)), got
        elif key == "attempt_set":
            assert {(a["agent"], a["result"]) for a in rec["attempts"]} == value, rec["attempts"]
        elif key == "transfers":
            assert [(t["kind"], t["from_agent"], t["to"]) for t in rec["transfers"]] == value, rec["transfers"]
        elif key == "transfer_results":
            assert [t["result"] for t in rec["transfers"]] == value, rec["transfers"]
        elif key == "transfer_after_answer":  # each transfer's time, in seconds after the answer
            answered = datetime.fromisoformat(rec["answered_at"])
            got = [(datetime.fromisoformat(t["at"]) - answered).total_seconds() for t in rec["transfers"]]
            assert len(got) == len(value) and all(abs(g - v) <= T for g, v in zip(got, value, strict=True)), got
        elif key == "recording":
            assert bool(rec["recording"]) is value
        elif key == "ivr_steps":
            steps = [p["step"] for p in rec["ivr"]["path"]]
            assert all(step in steps for step in value), steps
        elif key == "ivr_skipped":
            assert rec["ivr"] is not None and rec["ivr"]["skipped"] is value, rec["ivr"]
        elif key == "ivr_digits":
            got = {p["step"]: p["digits"] for p in rec["ivr"]["path"]}
            assert all(got.get(k) == v for k, v in value.items()), rec["ivr"]["path"]
        elif key == "worknum_played":
            assert (rec["vars"].get("HOTLINE_WORKNUM_PLAYED") == "1") is value, rec["vars"]
        elif isinstance(value, tuple):
            assert rec[key] is not None and value[0] <= rec[key] <= value[1], (key, rec[key], value)
        elif isinstance(value, float):
            assert rec[key] is not None and abs(rec[key] - value) <= T, (key, rec[key], value)
        else:
            assert rec[key] == value, (key, rec[key], value)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_call_shape(name: str) -> None:
    records = replay_messages(capture(name))
    assert len(records) == 1, f"{name}: {len(records)} records"
    rec = as_json(next(iter(records.values())))
    assert rec["incomplete"] is False
    assert rec["started_at"] and rec["ended_at"] and rec["started_at"].endswith("+08:00")
    assert rec["caller_number"] and rec["server"] == "replay"
    _check(rec, EXPECTED[name])


@pytest.mark.parametrize("name", sorted(p.stem for p in CAPTURES.glob("*.ami")))
def test_frames_and_messages_build_the_same_records(name: str) -> None:
    """The live listener and replay feed frames (thin events never parsed into Messages); tests,
    rebuild and the head-cut replays feed Messages: one builder, the same records."""
    data = (CAPTURES / f"{name}.ami").read_bytes()
    by_frames = replay_frames(data, chunk=1000)
    assert by_frames == replay_messages(capture(name))
    assert by_frames  # a capture with no call would prove nothing


def test_every_capture_has_a_row() -> None:
    recorded = {p.stem for p in CAPTURES.glob("*.ami")}
    assert recorded - {"concurrent_30", "ami_disconnect", "foreign_dial_consult_bridge", "foreign_untimed_answered",
                       "foreign_refer_attended", "foreign_refer_attended_app", "foreign_cti_wrapup",
                       "foreign_cti_priority", "foreign_cti_ringinuse", "foreign_queue_full_unfiltered",
                       "queue_full", "foreign_agents_login_while_waiting",
                       "foreign_freepbx_busy_and_wrapup", "foreign_rules_leastrecent", "foreign_rules_wrandom",
                       "foreign_rules_fewestcalls"} == set(EXPECTED)


def test_a_capture_without_timestamps_claims_no_time() -> None:
    """foreign_untimed_answered: foreign_dial_answered's call (8001 answers after 1.5 s, talks 2 s,
    hangs up) recorded from an Asterisk with timestampevents = no (issue #12). Replayed, no event
    gives a time: who rang, answered and hung up is read from the events' order, every time and
    duration is unknown — no ring count, no R-ANS-4RINGS verdict either way — and the record says
    why it is incomplete."""
    data = (CAPTURES / "foreign_untimed_answered.ami").read_bytes()
    assert b"\r\nTimestamp: " not in data and b"Event: DialEnd" in data
    (rec,) = [as_json(r) for r in replay_messages(capture("foreign_untimed_answered")).values()]
    _check(rec, dict(direction="inbound", caller_number="13600000003", dialed="500", disposition="answered",
                     agent="8001", final_agent="8001", hangup_first="agent", attempts=[("8001", "answered")],
                     incomplete=True, started_at=None, answered_at=None, ended_at=None, ring_seconds=None,
                     rings=None, within_4_rings=None, talk_seconds=None, wait_seconds=None, hold_seconds=None))
    assert rec["attempts"][0]["rang_at"] is None and rec["attempts"][0]["ring_seconds"] is None
    assert rec["vars"] == {"HOTLINE_SOURCE": "untimed"}


def test_a_refused_caller_names_its_queue() -> None:
    """A caller Queue() refused at the join (JOINEMPTY) is named by no queue event (app_queue.c's
    join_queue only sets QUEUESTATUS); the dialplan's Newexten running Queue names it. The same
    call recorded twice: through a foreign Asterisk's listener user, which gets a Newexten for
    every dialplan step of both Local halves, and through the hotline's own manager.conf, which
    filters them out — that record names no queue. The reader keeps every Newexten thin but
    Queue's."""
    unfiltered = (CAPTURES / "foreign_queue_joinempty_unfiltered.ami").read_bytes()
    filtered = (CAPTURES / "foreign_queue_joinempty.ami").read_bytes()
    steps = [f for f in unfiltered.split(b"\r\n\r\n") if f.startswith(b"Event: Newexten\r\n")]
    assert len(steps) > 3 and b"Event: Newexten\r\n" not in filtered
    parsed = [f for f in steps if thin_fields(f) is None]
    assert len(parsed) == 1 and b"\r\nApplication: Queue\r\nAppData: empty," in parsed[0], parsed
    (rec,) = [as_json(r) for r in replay_frames(unfiltered, chunk=1000).values()]
    _check(rec, EXPECTED["foreign_queue_joinempty_unfiltered"])
    (without,) = [as_json(r) for r in replay_frames(filtered, chunk=1000).values()]
    assert without["queue"] is None and without["disposition"] == rec["disposition"] == "no_agent"


def test_thirty_concurrent_callers() -> None:
    records = [as_json(r) for r in replay_messages(capture("concurrent_30")).values()]
    assert len(records) == 30
    assert sorted(r["caller_number"] for r in records) == [f"1380000{i:04d}" for i in range(30)]
    for r in records:
        assert not r["incomplete"]
        assert r["disposition"] in ("answered", "timeout", "abandoned")
        answered = [a for a in r["attempts"] if a["result"] == "answered"]
        if r["disposition"] == "answered":
            assert r["agent"] in ("8001", "8002", "8003") and len(answered) == 1
            assert answered[0]["agent"] == r["agent"] and r["ring_seconds"] == answered[0]["ring_seconds"]
            assert r["within_4_rings"] == (r["ring_seconds"] <= 4.0)
            assert r["talk_seconds"] > 0 and r["hangup_first"] in ("agent", "caller")
        else:
            assert r["agent"] is None and not answered and r["answered_at"] is None
    assert {r["disposition"] for r in records} >= {"answered", "timeout"}


def test_ami_disconnect_marks_the_spanning_call() -> None:
    records = {r.caller_number: as_json(r) for r in replay_messages(capture("ami_disconnect")).values()}
    assert not records["13800000101"]["incomplete"] and records["13800000101"]["disposition"] == "answered"
    assert records["13800000102"]["incomplete"], "a call open across the AMI gap may miss events"
    assert not records["13800000104"]["incomplete"] and records["13800000104"]["disposition"] == "answered"
    # the call made entirely inside the gap left nothing on AMI (backfill brings it: see reliability)
    assert "13800000103" not in records


def test_a_consultation_call_whose_target_joins_the_caller() -> None:
    """What a phone's own attended transfer leaves (tests/captures/foreign_dial/, issue #12): 8001
    answers the caller, then calls 8002 as a call of its own (its own Linkedid); 8002's channel is
    bridged with the caller and from then on carries the caller's Linkedid. The tracker follows
    the channel: the caller's call sees 8002 (final agent, talk to the end), and the consultation
    call gets its end instead of waiting forever for a hang-up filed under the other call."""
    records = {r.direction: as_json(r) for r in replay_messages(capture("foreign_dial_consult_bridge")).values()}
    assert set(records) == {"inbound", "internal"}
    call, consult = records["inbound"], records["internal"]
    _check(call, dict(dialed="500", disposition="answered", agent="8001", final_agent="8002", hangup_first="caller",
                      talk_seconds=(11.4, 12.0), incomplete=False, attempts=[("8001", "answered")]))
    # phone 8001 called phone 8002 (placed for it by an Originate of PJSIP/8001, which starts at `s`:
    # what it dialled is the 8002 its dialplan ran), 8002 answered after 1 s; 1 s later, once 8002
    # had gone to the caller, an AMI Hangup ended 8001's leg: a phone calling a phone, internal
    _check(consult, dict(direction="internal", caller_number="8001", dialed="8002", queue=None,
                         disposition="answered", agent="8002", ring_seconds=1.0, attempts=[("8002", "answered")],
                         hangup_first="system", talk_seconds=(0.7, 1.3), incomplete=False))
    assert consult["ended_at"] and consult["ended_at"] < call["ended_at"]


def _call_and_consultation(name: str) -> tuple[dict, dict]:
    records = [as_json(r) for r in replay_messages(capture(name)).values()]
    assert len(records) == 2, records
    call = next(r for r in records if r["dialed"] == "500")
    return call, next(r for r in records if r is not call)


def test_a_phones_own_attended_transfer() -> None:
    """foreign_refer_attended (issue #12): phone 8001 answers the caller after 1 s; 1.5 s later its
    user dials 8002 (the consultation: the phone's own INVITE, a call of its own), 8002 answers
    after 1 s; 1 s later the phone sends REFER with Replaces (tests/captures/replaces_phone.py):
    Asterisk moves the caller into the consultation's bridge — where 8002's BridgeEnter was filed
    under the consultation's Linkedid, and 8002 shows the caller's only when it hangs up. The
    caller talks with 8002 until it hangs up 14 s in."""
    call, consult = _call_and_consultation("foreign_refer_attended")
    _check(call, dict(dialed="500", disposition="answered", agent="8001", final_agent="8002", ring_seconds=1.0,
                      hangup_first="caller", talk_seconds=(12.5, 13.5), incomplete=False,
                      transfers=[("attended", "8001", "8002")], attempts=[("8001", "answered")]))
    # 8001 called 8002, who answered after 1 s; it ended when the REFER handed 8002 to the caller.
    # A phone calling a phone: internal, not a call into the hotline
    _check(consult, dict(direction="internal", caller_number="8001", dialed="8002", queue=None,
                         disposition="answered", agent="8002", ring_seconds=1.0, talk_seconds=(0.7, 1.3),
                         incomplete=False, attempts=[("8002", "answered")]))
    assert call["direction"] == "inbound"
    assert consult["ended_at"] < call["ended_at"]


def test_an_attended_transfer_to_an_application() -> None:
    """foreign_refer_attended_app (issue #12): as above, but the consultation call goes to 600, an
    announcement (Answer, Wait 4 s, Hangup()) bridged with nobody: AttendedTransfer has DestType
    App and no TransferTarget* fields. The transfer went to 600, the caller's channel then runs the
    announcement, whose Hangup() ends the call: the system hung up."""
    call, consult = _call_and_consultation("foreign_refer_attended_app")
    _check(call, dict(dialed="500", disposition="answered", agent="8001", final_agent="8001", ring_seconds=1.0,
                      hangup_first="system", talk_seconds=(2.2, 3.2), incomplete=False,
                      transfers=[("attended", "8001", "600")], attempts=[("8001", "answered")]))
    # the caller heard the rest of the announcement's 4 s (1 s of it went to the consultation)
    assert 2.8 <= _when(call["ended_at"]) - _when(call["transfers"][0]["at"]) <= 3.8
    # phone 8001's own call to an extension of the dialplan (the announcement): internal
    _check(consult, dict(direction="internal", caller_number="8001", dialed="600", agent=None, incomplete=False))
    assert call["direction"] == "inbound"
    assert consult["ended_at"] < call["ended_at"]


def _when(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def test_inherited_hotline_variables_reach_the_record() -> None:
    """Set(__HOTLINE_DIRECTION=outbound) in [hotline-callback] is the variable HOTLINE_DIRECTION:
    the dialplan's word on the direction counts (a technician's or another click-to-call that
    rings no agent device first is still outbound), by both ways in."""
    data = (CAPTURES / "callback_answered.ami").read_bytes()
    for records in (replay_frames(data), replay_messages(capture("callback_answered"))):
        (rec,) = [r for r in records.values() if r.vars.get("HOTLINE_TASK_ID")]
        assert rec.vars["HOTLINE_DIRECTION"] == "outbound" and rec.direction == "outbound"


def _with_var(msgs: list, channel_prefix: str, var: str, value: str) -> list:
    """``msgs`` with a VarSet of ``var`` on the first event of the channel named ``channel_prefix…``
    (a dialplan of ours marking that channel), right after it."""
    from ami_listener.reader import Message

    at = next(i for i, m in enumerate(msgs) if m.kind == "event" and m.name == "Newchannel"
              and (m.get("Channel") or "").startswith(channel_prefix))
    ch = msgs[at]
    mark = Message({**ch.headers, "Event": "VarSet", "Variable": var, "Value": value}, b"")
    return [*msgs[:at + 1], mark, *msgs[at + 1:]]


def test_internal_is_decided_by_the_calling_phone_and_the_hotlines_paths() -> None:
    """Direction.INTERNAL (issue #12): a call whose first channel is a known agent's phone and that
    entered none of the hotline's paths. The same phone call is not internal when it ran our IVR
    (an agent testing the hotline number: a call into the hotline), nor when the phone it reached
    is no agent's (an Originate of the agent's phone to someone else: a click-to-dial, outbound)."""
    def consult(msgs: list, **settings: object) -> str:
        from tests.ami_listener.replay import replay_settings

        records = replay_messages(msgs, replay_settings(**settings) if settings else None)
        (other,) = [r for r in records.values() if r.caller_number != "13600000003"]  # not the customer's call
        return other.direction

    refer = capture("foreign_refer_attended")
    assert consult(refer) == "internal"
    assert consult(_with_var(refer, "PJSIP/8001-00000003", "HOTLINE_IVR", "done")) == "inbound"
    bridge = capture("foreign_dial_consult_bridge")
    assert consult(bridge) == "internal"
    # 8002 no agent: the originated phone 8001 rang someone else's phone — its click-to-dial
    assert consult(bridge, agents=["8001"]) == "outbound"
    # 8001 no agent either: a phone we do not know called another: what any caller's call is
    assert consult(refer, agents=["8003"]) == "inbound"


def test_a_phones_own_call_is_outbound_only_when_it_dialled_out() -> None:
    """The number the phone dialled decides (``internal_number_pattern``): the same trunk call is
    internal under a pattern that takes 11-digit numbers for extensions; a consultation to 8002 is
    outbound under a pattern that takes no 4-digit number for internal — unless every phone it rang
    is an agent's (a long extension ringing a colleague stays internal)."""
    from tests.ami_listener.replay import replay_settings

    def direction(name: str, **settings: object) -> str:
        records = replay_messages(capture(name), replay_settings(**settings))
        (own,) = [r for r in records.values() if r.caller_number != "13600000003"]  # the phone's own call
        return own.direction

    assert direction("foreign_phone_trunk_out") == "outbound"
    assert direction("foreign_phone_trunk_out", internal_number_pattern=r"[0-9]{3,11}") == "internal"
    assert direction("foreign_refer_attended") == "internal"
    assert direction("foreign_refer_attended", internal_number_pattern=r"[*#].*") == "internal"  # rang agent 8002
    assert direction("foreign_refer_attended", internal_number_pattern=r"[*#].*", agents=["8001"]) == "outbound"
    assert direction("foreign_refer_attended_app", internal_number_pattern=r"[*#].*") == "outbound"  # 600: no phone


def _by_caller(name: str) -> dict[str, dict]:
    return {r["caller_number"]: r for r in (as_json(x) for x in replay_messages(capture(name)).values())}


def test_the_next_caller_waits_out_the_wrap_up() -> None:
    """foreign_cti_wrapup (tests/captures/foreign_cti/, `wrap` at 443: Alice alone, wrapuptime 5 s):
    the first caller is answered after 1 s, Alice talks 3 s and hangs up; a second caller, joined
    1 s after that answer, is rung only once her wrap-up is over (5 s after her hang-up) and
    answered after 1 s: its wait is Alice's 2 s of talk left, her 5 s of wrap-up and its 1 s ring."""
    calls = _by_caller("foreign_cti_wrapup")
    assert set(calls) == {"13600000071", "13600000072"}
    first, second = calls["13600000071"], calls["13600000072"]
    for rec in (first, second):
        _check(rec, dict(dialed="443", queue="wrap", disposition="answered", agent="Alice", final_agent="Alice",
                         ring_seconds=1.0, hangup_first="agent", talk_seconds=3.0, incomplete=False,
                         attempts=[("Alice", "answered")]))
    _check(first, dict(wait_seconds=1.0))
    _check(second, dict(wait_seconds=8.0))


def test_a_caller_at_a_priority_goes_first() -> None:
    """foreign_cti_priority: Alice paused; a caller joins `wrap` on 443, 1 s later another on the VIP
    line 444 (QUEUE_PRIO=10), 1 s later the CTI unpauses Alice. The VIP caller is rung first and
    answered after 1 s (waited 2 s); the first caller waits her 3 s of talk and 5 s of wrap-up
    more and is answered after a 1 s ring (12 s). Each record is its own caller's, neither sees
    the other's ring."""
    calls = _by_caller("foreign_cti_priority")
    assert set(calls) == {"13600000073", "13600000074"}
    plain, vip = calls["13600000073"], calls["13600000074"]
    _check(vip, dict(dialed="444", queue="wrap", disposition="answered", agent="Alice", ring_seconds=1.0,
                     wait_seconds=2.0, talk_seconds=3.0, hangup_first="agent", attempts=[("Alice", "answered")]))
    _check(plain, dict(dialed="443", queue="wrap", disposition="answered", agent="Alice", ring_seconds=1.0,
                       wait_seconds=12.0, talk_seconds=3.0, hangup_first="agent", attempts=[("Alice", "answered")]))
    assert plain["queued_at"] < vip["queued_at"] and vip["answered_at"] < plain["answered_at"]


def test_a_member_in_use_is_passed_over() -> None:
    """foreign_cti_ringinuse (`cti`: Alice then Bob, ringinuse = no): Alice answers the first
    caller after 1 s and talks 6 s; a second caller joining 1.5 s after that answer is not rung
    to Alice (in use) but to Bob, who answers after 1 s: no attempt of Alice's in its record."""
    calls = _by_caller("foreign_cti_ringinuse")
    assert set(calls) == {"13600000075", "13600000076"}
    _check(calls["13600000075"], dict(queue="cti", disposition="answered", agent="Alice", ring_seconds=1.0,
                                      wait_seconds=1.0, talk_seconds=6.0, hangup_first="agent",
                                      attempts=[("Alice", "answered")]))
    _check(calls["13600000076"], dict(queue="cti", disposition="answered", agent="Bob", ring_seconds=1.0,
                                      wait_seconds=1.0, talk_seconds=3.0, hangup_first="agent",
                                      attempts=[("Bob", "answered")]))


def test_a_local_members_phone_is_named_when_only_local_members_name_it() -> None:
    """foreign_cti_local_atxfer replayed as a site whose queues name the phones only as the
    StateInterface of Local members (no queue has PJSIP/8001 as a member itself, no configured
    agents): once Alice's Local member optimised away, PJSIP/8001 is hers — the transfer is
    Alice's, to Bob."""
    from tests.ami_listener.replay import replay_settings

    msgs = [m for m in capture("foreign_cti_local_atxfer")
            if not (m.kind == "event" and (m.get("Interface") or "").startswith("PJSIP/"))]
    (rec,) = [as_json(r) for r in replay_messages(msgs, replay_settings(agents=[])).values()]
    _check(rec, dict(agent="Alice", final_agent="Bob", transfers=[("attended", "Alice", "Bob")]))
