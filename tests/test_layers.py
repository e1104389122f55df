"""The layers (README, Layout): the core ``hotline/`` imports no app, and no app imports another.
Every import statement counts — at module level, in a function, under ``TYPE_CHECKING`` — so a
lazy import cannot hide a dependency. The ``hotline`` command names the apps' CLI modules as
strings (hotline/cli.py ``COMMAND_MODULES``) and is the only place that loads them."""

from __future__ import annotations

import ast
import re
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


def app_paths(package: str, root: Path = ROOT) -> list[tuple[str, int, str]]:
    """(file, line, expression) of every path built into an app's directory: ``x / "web"``,
    ``x / "prompts/…"``, ``x.joinpath("ivr")``."""
    into_app = re.compile(r"^(\.\./)?({})(/|$)".format("|".join(APPS)))
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            parts: list[ast.expr] = []
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                parts = [node.left, node.right]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
                parts = list(node.args)
            if any(isinstance(p, ast.Constant) and isinstance(p.value, str) and into_app.match(p.value) for p in parts):
                found.append((str(path.relative_to(root)), node.lineno, ast.unparse(node)))
    return found


def test_the_core_reads_no_apps_files(tmp_path: Path) -> None:
    """The core keeps its own data (hotline/phrases.toml …): a path into an app is an app import
    by another name."""
    assert app_paths(CORE) == []
    (tmp_path / CORE).mkdir()
    (tmp_path / CORE / "x.py").write_text('from pathlib import Path\nP = Path(".") / "prompts/catalogue.toml"\n')
    assert app_paths(CORE, tmp_path) == [("hotline/x.py", 2, "Path('.') / 'prompts/catalogue.toml'")]


def lazy_imports(package: str, root: Path = ROOT) -> list[tuple[str, str]]:
    """(file, module) of every import of ``package``'s own modules made inside a function."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                elif isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                else:
                    continue
                found += [(str(path.relative_to(root)), m) for m in modules if m.split(".")[0] == package]
    return found


def test_the_panels_pages_import_each_other_at_the_top() -> None:
    """In the panel only the app factory, the blueprint list and the CLI import the panel's modules
    inside a function (to load the app when it is needed): a page module doing it hides an import
    cycle (web/quality.py's grade imported the call page, which imports web/quality.py, until
    6 December; the form's post is now the call page's)."""
    assert sorted({file for file, _module in lazy_imports("web")}) == ["web/__init__.py", "web/blueprints.py",
                                                                      "web/cli.py"]
