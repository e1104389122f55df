"""One setting's value read from where it was written: a TOML value, an environment variable's
text, a keyword argument — into the field's type (``hotline.settings.Settings``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting could not be read: names the key and the source."""


def coerce(name: str, typ: Any, value: Any, source: str) -> Any:
    try:
        if typ is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(text)
        if typ is int:
            return int(value)
        if typ is float:
            return float(value)
        if typ is Path:
            return Path(value).expanduser()
        if typ in (dict[str, str], dict[str, int]):
            item = int if typ == dict[str, int] else str  # a TOML table's values, or the text after "="
            if isinstance(value, str):  # from the environment: "PJSIP/alice=8001,PJSIP/bob=8002"
                pairs = [entry.split("=", 1) for entry in value.split(",") if entry.strip()]
                if any(len(p) != 2 for p in pairs):
                    raise ValueError(value)
                return {k.strip(): item(v.strip()) for k, v in pairs}
            if not isinstance(value, dict):
                raise TypeError(value)
            return {str(k): item(v) for k, v in value.items()}
        if typ == list[str]:
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            return [str(v) for v in value]
        return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name!r} from {source}: cannot read {value!r} as {typ}") from exc
