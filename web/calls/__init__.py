"""Calls: the search (search), the call page and its recording (views, recordings), a call's
story in time order (timeline). Agents see their own calls, inspectors every call with masked
numbers, supervisors everything (R-PRIVACY)."""
