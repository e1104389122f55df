"""What a purge (hotline/retention.py) deleted or would delete, and what it kept and why: the
lines ``hotline scheduler purge`` prints and the daily purge logs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PurgeReport:
    dry_run: bool
    raw_batches: int = 0
    raw_events: int = 0
    raw_bytes: int = 0
    calls: int = 0
    recordings: int = 0
    recording_bytes: int = 0
    fault_reports: int = 0
    voice_files: int = 0
    tasks: int = 0
    sources: int = 0
    customers: int = 0
    sms: int = 0
    cel_lines: int = 0
    queue_log_lines: int = 0
    log_lines: int = 0
    journals: int = 0
    orphans: int = 0
    reports_kept: int = 0  # fault reports past their cutoff kept for a complaint or an open task
    kept: set[int] = field(default_factory=set, repr=False)  # calls past a cutoff kept because of R-COMPLAINT
    skipped: list[str] = field(default_factory=list)  # recordings not deleted, with the reason

    @property
    def kept_for_complaints(self) -> int:
        return len(self.kept)

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        out = [f"{verb} {self.raw_batches} raw event batches ({self.raw_events} events, {_size(self.raw_bytes)})",
               f"{verb} {self.calls} call records",
               f"{verb} {self.recordings} recordings ({_size(self.recording_bytes)})",
               f"{verb} {self.fault_reports} fault reports and {self.voice_files} IVR voice descriptions",
               f"{verb} {self.tasks} closed callback tasks (with their attempts) and {self.sources} task sources",
               f"{verb} {self.customers} customers",
               f"{verb} {self.sms} SMS of the outbox",
               f"{verb} {self.cel_lines} CEL lines and {self.queue_log_lines} queue_log lines",
               f"{verb} {self.log_lines} log lines, {self.journals} set-aside journals, "
               f"{self.orphans} recordings no record names",
               f"kept {self.kept_for_complaints} calls (or their recordings) past a cutoff for complaints "
               "younger than the "
               f"R-COMPLAINT minimum",
               f"kept {self.reports_kept} fault reports past their cutoff for an open complaint or task"]
        out += [f"skipped {s}" for s in self.skipped[:20]]
        if len(self.skipped) > 20:
            out.append(f"... and {len(self.skipped) - 20} more skipped")
        return out


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)
