"""Service settings the supervisor (role admin) edits in the panel (issue 18): service hours, the
ring rule, repair limits and special periods, calendar corrections, the operator's lists, KPI
targets and callback rules — stored in the database with their history, layered over the file
settings, read by every service through :func:`effective` within seconds, without a restart.

``fields``: what is editable and how it is checked; ``store``: values, save, history;
``effective``: the cached reader."""

from hotline.service_settings.effective import effective, forget, in_force
from hotline.service_settings.fields import BY_KEY, FIELDS, GROUPS, RING_RULE_KEYS, Field
from hotline.service_settings.store import Change, ValidationFailed, history, save, unset, values

__all__ = ["BY_KEY", "FIELDS", "GROUPS", "RING_RULE_KEYS", "Change", "Field", "ValidationFailed", "effective",
           "forget", "history", "in_force", "save", "unset", "values"]
