"""Cases (工单 / 受理单, R-REC-FIELDS): one per matter, with the calls it came in on and its
follow-ups, every change kept, closed cases read-only.

- :mod:`~hotline.cases.categories` — the kinds and categories (configuration, TOML);
- :mod:`~hotline.cases.due` — a case's deadline from its kind's rule;
- :mod:`~hotline.cases.access` — who may do what (Actor), how each role reads a case (case_view);
- :mod:`~hotline.cases.records` — open, link, edit, close (the desk's API);
- :mod:`~hotline.cases.intake` — cases the IVR's records make (fault reports, out-of-hours callbacks);
- :mod:`~hotline.cases.analysis` — R-COMPLAINT-CATEGORIES monthly figures;
- :mod:`~hotline.cases.handover` — R-HANDOVER shift handover log.
"""

from hotline.cases.access import Actor, CaseAccessError, CaseClosedError, CaseError, CaseView, case_view, is_read_only
from hotline.cases.analysis import CategoryAnalysis, CategoryRow, analysis_csv, complaint_categories
from hotline.cases.answers import answer_by_sms
from hotline.cases.categories import CategoryError, Kind, tree
from hotline.cases.handover import (
                                  HandoverError,
                                  acknowledge_handover,
                                  add_notes,
                                  latest_handovers,
                                  open_handover,
                                  open_matters_snapshot,
)
from hotline.cases.intake import IVR, case_for_fault_report, cases_from_call, revisited_by_task
from hotline.cases.records import (
                                  OPEN_CASE_STATUSES,
                                  CaseChanges,
                                  CaseInput,
                                  add_follow_up,
                                  case_of_task,
                                  cases_of_call,
                                  close_case,
                                  complaint_step,
                                  find_cases,
                                  get_case,
                                  history,
                                  link_call,
                                  mark_revisited,
                                  open_case,
                                  open_matters,
                                  receipt_sent,
                                  receipts_due,
                                  record_complete,
                                  update_case,
)

__all__ = [
                                  "IVR",
                                  "OPEN_CASE_STATUSES",
                                  "Actor",
                                  "CaseAccessError",
                                  "CaseChanges",
                                  "CaseClosedError",
                                  "CaseError",
                                  "CaseInput",
                                  "CaseView",
                                  "CategoryAnalysis",
                                  "CategoryError",
                                  "CategoryRow",
                                  "HandoverError",
                                  "Kind",
                                  "acknowledge_handover",
                                  "add_follow_up",
                                  "add_notes",
                                  "analysis_csv",
                                  "answer_by_sms",
                                  "case_for_fault_report",
                                  "case_of_task",
                                  "case_view",
                                  "cases_from_call",
                                  "cases_of_call",
                                  "close_case",
                                  "complaint_categories",
                                  "complaint_step",
                                  "find_cases",
                                  "get_case",
                                  "history",
                                  "is_read_only",
                                  "latest_handovers",
                                  "link_call",
                                  "mark_revisited",
                                  "open_case",
                                  "open_handover",
                                  "open_matters",
                                  "open_matters_snapshot",
                                  "receipt_sent",
                                  "receipts_due",
                                  "record_complete",
                                  "revisited_by_task",
                                  "tree",
                                  "update_case",
]
