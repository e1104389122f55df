"""The kinds of cases and their categories: configuration (hotline/case_categories.toml, or the
file named by setting case_categories_path), and the panel's service settings ``case_categories`` /
``complaint_categories`` replacing a kind's categories. The complaint ones are R-COMPLAINT-CATEGORIES."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from hotline.errors import N_, DomainError
from hotline.settings import Settings
from hotline.vocabulary import CaseKind

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "case_categories.toml"


class CategoryError(DomainError):
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
        raise CategoryError(N_("case categories %(path)s: %(why)s"), path=path, why=str(exc)) from exc
    tree: dict[CaseKind, Kind] = {}
    for kind in CaseKind:
        node = data.get(kind.value)
        if not isinstance(node, dict) or not isinstance(node.get("categories"), dict):
            raise CategoryError(N_("case categories %(path)s: kind %(given)r with its [categories] is missing"),
                                path=path, given=kind.value)
        cats = {str(k): str(v) for k, v in node["categories"].items()}
        tree[kind] = Kind(kind, str(node.get("zh", kind.value)), str(node.get("en", kind.value)), cats)
    return tree


def tree(s: Settings) -> dict[CaseKind, Kind]:
    """Every kind with its categories (the file read again when it changes), with the kinds the
    service settings replace."""
    path = path_of(s)
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise CategoryError(N_("case categories %(path)s: %(why)s"), path=path, why=str(exc)) from exc
    loaded = _load(path, mtime)
    replaced = override_lines(s.case_categories, s.complaint_categories)
    if not replaced:
        return loaded
    return {k: replace(node, categories=replaced[k]) if k in replaced else node for k, node in loaded.items()}


def override_lines(case_lines: list[str], complaint_lines: list[str]) -> dict[CaseKind, dict[str, str]]:
    """Categories by kind from the service settings: ``case_categories`` items are "kind key label",
    ``complaint_categories`` items "key label". CategoryError names the first bad item."""
    out: dict[CaseKind, dict[str, str]] = {}
    items = [(line, line.split(None, 2)) for line in case_lines]
    items += [(line, ["complaint", *line.split(None, 1)]) for line in complaint_lines]
    for line, parts in items:
        if len(parts) != 3:
            raise CategoryError(N_("%(line)r: give a key and a label"), line=line)
        kind, key, label = parts
        try:
            k = CaseKind(kind)
        except ValueError:
            raise CategoryError(N_("%(line)r: unknown kind %(given)r; one of %(choices)s"), line=line, given=kind,
                                choices=", ".join(CaseKind)) from None
        if not key.replace("_", "").isalnum() or not key.isascii():
            raise CategoryError(N_("%(line)r: a key is latin letters, digits and _ (it is stored on cases)"), line=line)
        cats = out.setdefault(k, {})
        if key in cats:
            raise CategoryError(N_("%(line)r: key %(given)r twice for %(case_kind)s"), line=line, given=key,
                                case_kind=k.value)
        cats[key] = label.strip()
    return out


def fault_type_name(s: Settings, fault_type: str | None) -> str:
    """A fault report's type (an ``ivr_fault_types`` key) by its name: the repair category of that
    key, which is the case the IVR's report is filed as (``hotline.cases.intake``); a key with no
    such category as it is. Pages and the technician's SMS say 马赛克 / 图像不清, never ``mosaic``."""
    if not fault_type:
        return ""
    try:
        return tree(s)[CaseKind.REPAIR].categories.get(fault_type, fault_type)
    except CategoryError:  # a broken categories file: the key still says what the fault is
        return fault_type


def check(s: Settings, kind: str, category: str | None) -> CaseKind:
    """The kind as a CaseKind; CategoryError for an unknown kind or a category not of that kind."""
    try:
        k = CaseKind(kind)
    except ValueError:
        raise CategoryError(N_("unknown case kind %(given)r; one of %(choices)s"), given=kind,
                            choices=", ".join(CaseKind)) from None
    if category is not None and category not in tree(s)[k].categories:
        raise CategoryError(N_("unknown %(case_kind)s category %(given)r"), case_kind=k.value, given=category)
    return k
