"""The dialplan's late-answer apology threshold (R-ANS-4RINGS / R-ANS-LATE-APOLOGY) follows the ring
rule the supervisor sets in the panel: when ``max_rings × ring_cycle_s`` in force changes, the
private Asterisk's configuration is rendered again and its dialplan reloaded (``dialplan reload``).

It runs in the process that owns the private Asterisk (``hotline run``'s supervision loop), not in
the panel: reloading needs AMI ``command``, which only that process holds (README "Security"), and
a change made by any panel process or by ``hotline settings set`` applies the same way."""

from __future__ import annotations

import logging
import time

from sqlalchemy.orm import Session, sessionmaker

from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.config import render
from hotline.pbx.process import Asterisk
from hotline.rules import ring_rule
from hotline.service_settings import effective
from hotline.settings import Settings

log = logging.getLogger(__name__)


class RingRuleSync:
    """``check()`` often (it reads through the cached :func:`effective`); it reloads only on a change,
    and after a failed reload tries again 10 s later."""

    def __init__(self, base: Settings, sessions: sessionmaker[Session], ast: Asterisk):
        self.base, self.sessions, self.ast = base, sessions, ast
        # what the running Asterisk was rendered with
        self.applied: float | None = ring_rule(ast.settings).threshold_s
        self.retry_at = 0.0

    def check(self) -> bool:
        """True when the dialplan was rendered and reloaded for a new threshold."""
        s = effective(self.base, self.sessions)
        threshold = ring_rule(s).threshold_s
        if threshold == self.applied or not self.ast.running or time.monotonic() < self.retry_at:
            return False
        try:
            reload_dialplan(self.ast, self.ast.settings.replace(ring_cycle_s=s.ring_cycle_s, max_rings=s.max_rings))
        except Exception:
            self.retry_at = time.monotonic() + 10.0  # said once per try, not every round
            raise
        log.info("ring rule now %s × %g s: dialplan apology threshold %g s, reloaded",
                 s.max_rings, s.ring_cycle_s, threshold)
        self.applied = threshold
        return True


def reload_dialplan(ast: Asterisk, s: Settings) -> None:
    """Render ``s`` into the Asterisk's configuration and reload its dialplan. ``ast.settings``
    becomes ``s``: a restart of this Asterisk keeps the new values."""
    render(s, ast.templates)
    ast.settings = s
    with Ami.from_settings(s, 10.0, AmiRole.ADMIN) as ami:
        out = ami.command("dialplan reload")
    if "Dialplan reloaded" not in out:
        log.warning("dialplan reload answered: %s", out.strip() or "(nothing)")
