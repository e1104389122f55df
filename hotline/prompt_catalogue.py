"""The catalogue of standard phrases (hotline/phrases.toml, beside this module) and where their
audio lives.

The phrases are service rules (what the operator promises, in its words), so they are the core's
data: the prompts app renders them to audio, and the IVR checks at start that every prompt it
plays exists (:func:`missing_prompts`) without importing the prompts app.
Texts are rendered from settings (company name, R-FAULT-SLA time limits, R-ANS-HOURS), so a
changed setting changes the text and therefore the audio's cache key.
"""

from __future__ import annotations

import logging
import re
import string
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hotline.cases.categories import CategoryError, tree
from hotline.settings import Settings
from hotline.vocabulary import CaseKind

log = logging.getLogger(__name__)

CATALOGUE_PATH = Path(__file__).with_name("phrases.toml")
PROMPT_DIR = "hotline"  # prompt X plays as hotline/X
DIGIT_DIR = "digits"  # Asterisk's SayDigits looks for digits/<n> in the channel's language


class CatalogueError(ValueError):
    """The catalogue file is unreadable or inconsistent: names the file and the entry."""


@dataclass(frozen=True)
class Prompt:
    id: str  # "welcome", or "digits/3" for a digit
    template: str
    rule: str
    used: str

    @property
    def sound(self) -> str:
        """The name Asterisk plays it by (no extension), relative to the language's sounds dir."""
        return self.id if self.id.startswith(DIGIT_DIR + "/") else f"{PROMPT_DIR}/{self.id}"

    def wav_path(self, s: Settings) -> Path:
        return s.sounds_dir / f"{self.sound}.wav"

    def text(self, s: Settings) -> str:
        return render_text(self.template, s, self.id)


_ZH_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """A whole number 0..99999 as spoken Chinese (30 → 三十, 120 → 一百二十, 2 → 二)."""
    if n < 0 or n > 99999:
        raise ValueError(f"number out of range for speech: {n}")
    if n < 10:
        return _ZH_DIGITS[n]
    units = [(10000, "万"), (1000, "千"), (100, "百"), (10, "十")]
    out = ""
    rest = n
    gap = False
    for value, name in units:
        d, rest = divmod(rest, value)
        if d:
            if gap and out:
                out += "零"
            out += _ZH_DIGITS[d] + name
            gap = False
        elif out:
            gap = True
    if rest:
        if gap:
            out += "零"
        out += _ZH_DIGITS[rest]
    return out[1:] if out.startswith("一十") else out  # 十五, not 一十五


def _count(n: int, unit: str) -> str:
    return ("两" if n == 2 else zh_number(n)) + unit  # 两小时, not 二小时


def zh_duration(minutes: int) -> str:
    """Minutes as a spoken duration: 30 → 三十分钟, 120 → 两小时, 90 → 一小时三十分钟."""
    if minutes <= 0:
        raise ValueError(f"duration must be positive: {minutes}")
    if minutes % (24 * 60) == 0:
        return _count(minutes // (24 * 60), "天")
    h, m = divmod(minutes, 60)
    if h == 0:
        return _count(m, "分钟")
    return _count(h, "小时") + (_count(m, "分钟") if m else "")


def zh_clock(hhmm: str) -> str:
    """'08:00' → 八点, '21:30' → 二十一点三十分."""
    try:
        h, m = (int(x) for x in hhmm.split(":"))
    except ValueError as exc:
        raise ValueError(f"not a HH:MM time: {hhmm!r}") from exc
    return zh_number(h) + "点" + (zh_number(m) + "分" if m else "")


def fault_type_menu(s: Settings) -> str:
    """R-REC-FIELDS: the IVR's fault-type menu as it is said — key n for the nth of
    ``ivr_fault_types``, each named by its repair case category's label ("无图像请按一,…"), so the
    prompt follows the list the supervisor sets (the IVR maps key n to item n, ivr/flow.py)."""
    try:
        labels = tree(s)[CaseKind.REPAIR].categories
    except CategoryError as exc:  # the IVR still plays something: the keys, and the log says why
        log.warning("fault-type menu: repair categories unreadable (%s): saying the keys", exc)
        labels = {}
    parts = []
    for n, key in enumerate(s.ivr_fault_types[:9], 1):
        label = re.sub(r"\s*/\s*", "或", labels.get(key, key))  # "马赛克 / 图像不清" is said "马赛克或图像不清"
        parts.append(f"{label}请按{zh_number(n)}")
    return ",".join(parts)


def placeholders(s: Settings) -> dict[str, str]:
    return {
        "company": s.company_name,
        "fault_types": fault_type_menu(s),
        "sla_urban_arrive": zh_duration(s.sla_urban_arrive_min),
        "sla_rural_arrive": zh_duration(s.sla_rural_arrive_min),
        "hours_open": zh_clock(s.hours_open),
        "hours_close": zh_clock(s.hours_close),
        "district_menu": district_menu(s),
    }


# the IVR's district question takes one key: the first nine districts can be picked by keypad
KEYPAD_DISTRICTS = 9


def district_menu(s: Settings) -> str:
    """"东城请按一,西城请按二" for the configured districts (R-FAULT-OUTAGE: an unknown caller
    picks theirs); the prompt is rebuilt when the list changes (its text is part of its cache key)."""
    return ",".join(f"{d}请按{zh_number(i + 1)}" for i, d in enumerate(s.districts[:KEYPAD_DISTRICTS]))


def render_text(template: str, s: Settings, prompt_id: str = "?") -> str:
    values = placeholders(s)
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None and name not in values:
            raise CatalogueError(f"prompt {prompt_id!r}: unknown placeholder {{{name}}}; known: {sorted(values)}")
    return template.format_map(values)


def load_catalogue(path: Path | None = None) -> list[Prompt]:
    """Every prompt, phrases first then digits/0..9; raises CatalogueError on a bad file."""
    path = path or CATALOGUE_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"prompt catalogue {path}: {exc}") from exc
    prompts: list[Prompt] = []
    for i, entry in enumerate(data.get("prompt", [])):
        missing = [k for k in ("id", "text", "rule", "used") if not str(entry.get(k, "")).strip()]
        if missing:
            raise CatalogueError(f"prompt catalogue {path}: entry {i + 1} lacks {', '.join(missing)}")
        pid = str(entry["id"])
        if not pid.replace("_", "").isalnum() or not pid.isascii():
            raise CatalogueError(f"prompt catalogue {path}: id {pid!r} must be ascii letters, digits and _")
        prompts.append(Prompt(pid, str(entry["text"]), str(entry["rule"]), str(entry["used"])))
    digits = data.get("digits", {})
    for d, text in sorted(digits.get("text", {}).items()):
        if not (len(d) == 1 and d.isdigit()):
            raise CatalogueError(f"prompt catalogue {path}: digit key {d!r} must be 0..9")
        prompts.append(Prompt(f"{DIGIT_DIR}/{d}", str(text), str(digits.get("rule", "")), str(digits.get("used", ""))))
    ids = [p.id for p in prompts]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CatalogueError(f"prompt catalogue {path}: duplicate ids {dupes}")
    return prompts


def by_id(prompts: Iterable[Prompt]) -> dict[str, Prompt]:
    return {p.id: p for p in prompts}


def _normalise(pid: str) -> str:
    """Accepts 'welcome', 'hotline/welcome' or 'digits/3'."""
    return pid[len(PROMPT_DIR) + 1:] if pid.startswith(PROMPT_DIR + "/") else pid


def missing_prompts(s: Settings, ids: Iterable[str], catalogue: Path | None = None) -> list[str]:
    """The ids (as given, in order) that are not in the catalogue or whose audio is not built.

    The IVR calls this at start with every id it plays; a non-empty answer means
    `hotline prompts build` has not run (or the IVR asks for a phrase nobody wrote).
    """
    known = by_id(load_catalogue(catalogue))
    missing: list[str] = []
    for pid in ids:
        prompt = known.get(_normalise(pid))
        if prompt is None or not prompt.wav_path(s).is_file():
            missing.append(pid)
    return missing
