"""The scheduler app: the hotline's timed work, one process (``hotline scheduler run``).

Today the callbacks' pass (``callbacks``: make tasks from new records, settle attempts, flag
overdue tasks, escalate missed complaint clocks) run by a loop (``daemon``), the retention purge
(``hotline scheduler purge``), and the command line of the callback tasks (``callbacks_cli``).
The rules themselves live in the core (hotline.callbacks, hotline.retention); this app only
decides when they run.
"""
