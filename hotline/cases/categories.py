"""The kinds of cases and their categories: configuration (hotline/case_categories.toml, or the
file named by setting case_categories_path). The complaint categories are R-COMPLAINT-CATEGORIES."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hotline.settings import Settings
from hotline.vocabulary import CaseKind

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "case_categories.toml"


class CategoryError(ValueError):
    """An unknown kind or category, or a categories file that does not name every kind."""


@dataclass(frozen=True)
class Kind:
    key: CaseKind
    zh: str
    en: str
    categories: dict[str, str]  # key → label (zh), in the file's order

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def path_of(s: Settings) -> Path:
    return Path(s.case_categories_path) if s.case_categories_path else DEFAULT_PATH


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> dict[CaseKind, Kind]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CategoryError(f"case categories {path}: {exc}") from exc
    tree: dict[CaseKind, Kind] = {}
    for kind in CaseKind:
        node = data.get(kind.value)
        if not isinstance(node, dict) or not isinstance(node.get("categories"), dict):
            raise CategoryError(f"case categories {path}: kind {kind.value!r} with its [categories] is missing")
        cats = {str(k): str(v) for k, v in node["categories"].items()}
        tree[kind] = Kind(kind, str(node.get("zh", kind.value)), str(node.get("en", kind.value)), cats)
    return tree


def tree(s: Settings) -> dict[CaseKind, Kind]:
    """Every kind with its categories (read again when the file changes)."""
    path = path_of(s)
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise CategoryError(f"case categories {path}: {exc}") from exc
    return _load(path, mtime)


def check(s: Settings, kind: str, category: str | None) -> CaseKind:
    """The kind as a CaseKind; CategoryError for an unknown kind or a category not of that kind."""
    try:
        k = CaseKind(kind)
    except ValueError:
        raise CategoryError(f"unknown case kind {kind!r}; one of {', '.join(CaseKind)}") from None
    if category is not None and category not in tree(s)[k].categories:
        raise CategoryError(f"unknown {k.value} category {category!r}")
    return k
