"""Callbacks (R-ONE-CALL): whatever the hotline could not finish, it follows up.

Tasks with deadlines (``tasks``: missed calls, fault revisits, consultations, complaints), working
days from the Chinese calendar (``workdays``), dialling through Asterisk (``dialer``), and
read-only views for the panel and the metrics (``queries``). The panel uses the names re-exported
here; the scheduler app (scheduler/callbacks.py) makes and watches the tasks on a timer.
"""

from hotline.callbacks.dialer import dial, reconcile, record_outcome
from hotline.callbacks.queries import (
                                       acknowledge,
                                       complaint_clock_counts,
                                       count_open_tasks,
                                       missed_callback_counts,
                                       open_escalations,
                                       open_tasks,
                                       overdue_tasks,
                                       revisit_counts,
                                       task_dict,
                                       withheld_missed_calls,
)
from hotline.callbacks.refusals import DialRefused
from hotline.callbacks.tasks import (
                                       CallbackError,
                                       cancel_task,
                                       create_complaint,
                                       mark_consultation,
                                       record_revisit,
                                       update_complaint,
)

__all__ = [
                                       "CallbackError",
                                       "DialRefused",
                                       "acknowledge",
                                       "cancel_task",
                                       "complaint_clock_counts",
                                       "count_open_tasks",
                                       "create_complaint",
                                       "dial",
                                       "mark_consultation",
                                       "missed_callback_counts",
                                       "open_escalations",
                                       "open_tasks",
                                       "overdue_tasks",
                                       "reconcile",
                                       "record_outcome",
                                       "record_revisit",
                                       "revisit_counts",
                                       "task_dict",
                                       "update_complaint",
                                       "withheld_missed_calls",
]
