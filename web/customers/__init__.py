"""The customer master in the panel (issue 14 §2): find and edit a customer (numbers, name,
address, district, area, VIP, account); a supervisor's CSV import — all or nothing, bad rows
reported with their line numbers — and export. The rules live in ``hotline.customers``."""
