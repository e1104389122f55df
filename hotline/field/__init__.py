"""Field service (issue 15): technicians, work orders dispatched from confirmed fault reports
(R-FAULT-DISPATCH) with R-FAULT-SLA clocks, escalations (R-OVERDUE), the technician's call to the
customer, and outages seen from clustered reports (R-FAULT-OUTAGE). Every function takes the
session and flushes; the caller commits (``call_customer`` commits its event before dialling).
"""

from hotline.field.calls import FieldCall, call_customer
from hotline.field.clocks import ClockReport, OverdueRow, check_clocks, overdue_review, set_review_note
from hotline.field.errors import FieldError
from hotline.field.events import FieldEscalation
from hotline.field.orders import (
                                  accept,
                                  arrive,
                                  book,
                                  cannot_fix,
                                  dispatch_to,
                                  explain_delay,
                                  fix,
                                  get_order,
                                  on_report_confirmed,
)
from hotline.field.outages import close_outage_restored, dismiss_suggestion, open_suggestions, publish_suggested_outage
from hotline.field.queries import (
                                  EventRow,
                                  OrderRow,
                                  TechnicianRow,
                                  history,
                                  my_orders,
                                  open_orders,
                                  overdue_orders,
                                  technicians,
)
from hotline.field.rota import on_duty
from hotline.field.technicians import add_technician, on_duty_for, technician, update_technician

__all__ = [
                                  "ClockReport",
                                  "EventRow",
                                  "FieldCall",
                                  "FieldError",
                                  "FieldEscalation",
                                  "OrderRow",
                                  "OverdueRow",
                                  "TechnicianRow",
                                  "accept",
                                  "add_technician",
                                  "arrive",
                                  "book",
                                  "call_customer",
                                  "cannot_fix",
                                  "check_clocks",
                                  "close_outage_restored",
                                  "dismiss_suggestion",
                                  "dispatch_to",
                                  "explain_delay",
                                  "fix",
                                  "get_order",
                                  "history",
                                  "my_orders",
                                  "on_duty",
                                  "on_duty_for",
                                  "on_report_confirmed",
                                  "open_orders",
                                  "open_suggestions",
                                  "overdue_orders",
                                  "overdue_review",
                                  "publish_suggested_outage",
                                  "set_review_note",
                                  "technician",
                                  "technicians",
                                  "update_technician",
]
