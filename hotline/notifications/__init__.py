"""Notifications: the SMS outbox (queue, policy, templates) and its sender.

- :func:`queue_sms` — put a message in the outbox (policy-checked; held when outside it)
- :func:`send_due` — one sender pass (``scheduler/sms_sender.py`` loops it)
- :func:`record_delivery_query` / :func:`record_delivery_report` — what the gateway reports back
  (the panel's DLR route passes the request's query to the first)
"""

from hotline.notifications.outbox import (
                                          Links,
                                          NotificationError,
                                          approve_held,
                                          cancel,
                                          messages_for,
                                          queue_sms,
                                          record_delivery_query,
                                          record_delivery_report,
)
from hotline.notifications.sender import SendReport, backoff, provider_for, send_due
from hotline.notifications.templates import Template, render

__all__ = ["Links", "NotificationError", "SendReport", "Template", "approve_held", "backoff", "cancel",
           "messages_for", "provider_for", "queue_sms", "record_delivery_query", "record_delivery_report", "render",
           "send_due"]
