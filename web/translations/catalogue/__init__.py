"""The zh catalogue's entries by feature, one module each with an ``ENTRIES`` dict (English msgid →
Chinese); web/translations/zh.py merges them into ``ZH``."""
