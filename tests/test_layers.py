"""The layers (README, Layout): the core ``hotline/`` imports no app, and no app imports another.
Every import statement counts — at module level, in a function, under ``TYPE_CHECKING`` — so a
lazy import cannot hide a dependency. The ``hotline`` command names the apps' CLI modules as
strings (hotline/cli.py ``COMMAND_MODULES``) and is the only place that loads them."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = "hotline"
APPS = ("ami_listener", "ivr", "web", "prompts", "scheduler")


def imported_packages(package: str, root: Path = ROOT) -> list[tuple[str, int, str]]:
    """(file, line, module) of every absolute import in ``package`` whose top-level package is
    another of the project's packages."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top != package and top in (CORE, *APPS):
                    found.append((str(path.relative_to(root)), node.lineno, module))
    return found


def test_the_core_imports_no_app() -> None:
    assert imported_packages(CORE) == []


def test_no_app_imports_another_app() -> None:
    crossing = {app: [hit for hit in imported_packages(app) if hit[2].split(".")[0] != CORE] for app in APPS}
    assert crossing == {app: [] for app in APPS}


def test_only_the_command_loads_apps_by_name() -> None:
    # importlib is how hotline/cli.py reaches the apps' verbs; anywhere else in the core it would be
    # an app import the two tests above cannot see
    users = sorted(str(p.relative_to(ROOT)) for p in (ROOT / CORE).rglob("*.py")
                   if "import_module(" in p.read_text(encoding="utf-8"))
    assert users == ["hotline/cli.py"]


def test_the_check_sees_a_lazy_import(tmp_path: Path) -> None:
    (tmp_path / CORE).mkdir()
    (tmp_path / CORE / "x.py").write_text("import os\nfrom hotline import db\n\n\n"
                                          "def f() -> None:\n    from web.security import guard\n")
    assert imported_packages(CORE, tmp_path) == [("hotline/x.py", 6, "web.security")]
