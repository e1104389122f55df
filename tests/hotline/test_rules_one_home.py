"""One home per rule (issue 20): the code outside hotline.rules asks it instead of comparing a
deadline with the time, or multiplying the ring count by the ring cycle, itself. A second copy
of a rule is how "overdue" came to have three meanings; this reads the source to keep it one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hotline", "ami_listener", "ivr", "web", "prompts", "scheduler")
HOME = Path("hotline/rules.py")
# a deadline: due, due_at, fix_by, arrive_by, contact_due, resolve_due, deadline (monotonic
# clocks called deadline are timeouts, not service deadlines: `time.monotonic()` is left alone)
DEADLINE = re.compile(r"(^|[._])(\w*_)?(due|due_at|fix_by|arrive_by|deadline)$")
# the time it is checked against, or the time the matter was done
NOW_OR_DONE = re.compile(r"(^|[._(])(now|utcnow\(\)|\w+_at)$")
# a hand-over delay after the deadline, not the deadline itself (callback_overdue_release_min)
NOT_A_DEADLINE = {("scheduler/callbacks.py", "now >= task.due_at + release")}


def _names(node: ast.expr) -> list[str]:
    return [ast.unparse(n) for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Attribute, ast.Call))]


def _sources() -> list[tuple[Path, ast.Module]]:
    out = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel != HOME and "migrations" not in rel.parts:
                out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))))
    return out


def test_no_deadline_is_judged_outside_the_rules() -> None:
    """R-OVERDUE, R-COMPLAINT, R-FAULT-SLA: ``overdue`` / ``in_time`` / ``deadline_state``."""
    found = []
    for rel, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare) or len(node.comparators) != 1:
                continue
            if not isinstance(node.ops[0], (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
                continue
            sides = [_names(node.left), _names(node.comparators[0])]
            if "time.monotonic()" in sides[0] + sides[1]:
                continue
            for a, b in (sides, sides[::-1]):
                if any(DEADLINE.search(n) for n in a) and any(NOW_OR_DONE.search(n) for n in b):
                    hit = (str(rel), ast.unparse(node))
                    if hit not in NOT_A_DEADLINE:
                        found.append((*hit, node.lineno))
                    break
    assert found == []


def test_the_ring_threshold_is_computed_once() -> None:
    """R-ANS-4RINGS: max_rings × ring_cycle_s is hotline.rules.RingRule.threshold_s only."""
    found = [(str(rel), node.lineno, ast.unparse(node)) for rel, tree in _sources() for node in ast.walk(tree)
             if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)
             and {"max_rings", "ring_cycle_s"} & {getattr(n, "attr", getattr(n, "id", None)) for n in ast.walk(node)}]
    assert found == []
