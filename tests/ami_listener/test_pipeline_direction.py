"""The AMI path runs one way (issue 20): reader → tracker → builder → store, with the pipeline
as the runner that hands a frame from one stage to the next. No stage reaches a later one, nor
the runner, through any chain of imports (lazy ones included): a stage cannot call back."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ami_listener"
STAGES = ("reader", "tracker", "builder", "store")
RUNNERS = ("pipeline", "listen", "journal", "backfill", "rebuild", "cli")


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
            found |= {n.split(".")[1] for n in names if n.startswith("ami_listener.")}
        graph[path.stem] = found
    return graph


def _reaches(graph: dict[str, set[str]], module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        for dep in graph.get(todo.pop(), set()) - seen:
            seen.add(dep)
            todo.append(dep)
    return seen


def test_no_stage_reaches_a_later_stage_or_the_runner() -> None:
    graph = _imports()
    assert set(STAGES) <= set(graph)
    back = {stage: sorted(_reaches(graph, stage) & {*STAGES[i + 1:], *RUNNERS})
            for i, stage in enumerate(STAGES)}
    assert back == {stage: [] for stage in STAGES}


def test_the_pipeline_runs_every_stage() -> None:
    assert set(STAGES) <= _imports()["pipeline"]
