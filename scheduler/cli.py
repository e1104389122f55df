"""``hotline scheduler run|purge``: the timed work, as a daemon or one pass at a time."""

from __future__ import annotations

import argparse
import logging
import signal

from hotline.settings import Settings

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scheduler", help="timed work: callback tasks and their clocks, the retention purge")
    ssub = p.add_subparsers(dest="scheduler_command", metavar="ACTION", required=True)
    run = ssub.add_parser("run", help="make, watch and escalate callback tasks (runs until stopped)")
    run.add_argument("--once", action="store_true", help="one pass, then exit")
    run.set_defaults(func=_run)
    purge = ssub.add_parser("purge", help="delete what is past its retention now (`scheduler run` does it daily): raw "
                                          "AMI events, calls, recordings, fault reports and voice descriptions, "
                                          "closed callback tasks, CEL/queue_log lines, logs, set-aside journals "
                                          "(complaint files younger than R-COMPLAINT's minimum are kept)")
    purge.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    purge.set_defaults(func=_purge)


def _run(s: Settings, args: argparse.Namespace) -> int:
    from hotline import service_memory
    from hotline.db import open_db
    from scheduler.daemon import Scheduler
    from scheduler.prompt_sync import PromptSync
    from scheduler.sms_sender import SmsSender

    sched = Scheduler(s, open_db(s)[1])
    if args.once:
        print(f"scheduler pass: {sched.once()}")
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sched.stop_event.set())
    service_memory.start("scheduler", s)  # before any thread: the arena cap counts only then (#17)
    log.info("scheduler running: a pass every %g s", s.callback_scheduler_interval_s)
    sender = SmsSender(s, sched.sessions).start()  # the notification outbox → the SMS gateway
    prompts = PromptSync(s, sched.sessions).start()  # prompts that name a changed setting said again
    try:
        sched.run()
    except KeyboardInterrupt:
        pass
    finally:
        prompts.stop()
        sender.stop()
    return 0


def _purge(s: Settings, args: argparse.Namespace) -> int:
    """Apply the retention settings (hotline/retention.py)."""
    from hotline.db import open_db
    from hotline.retention import purge

    engine, sessions = open_db(s)
    try:
        report = purge(s, sessions, dry_run=args.dry_run)
    finally:
        engine.dispose()
    print(f"retention: raw events {s.retention_raw_events_days} d, calls {s.retention_calls_days} d, "
          f"recordings {s.retention_recordings_days} d, fault reports {s.retention_fault_reports_days} d, "
          f"voice descriptions {s.retention_voice_days} d, closed tasks {s.retention_callback_tasks_days} d, "
          f"customers {s.retention_customers_days} d, CEL/queue_log {s.retention_asterisk_logs_days} d, "
          f"logs {s.retention_logs_days} d, SMS {s.retention_sms_days} d (0 = forever); "
          f"complaints kept ≥ {s.complaint_keep_days} d")
    for line in report.lines():
        print(line)
    return 0
