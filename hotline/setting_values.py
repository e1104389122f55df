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
        if typ == dict[str, str]:
            if isinstance(value, str):  # from the environment: "PJSIP/alice=8001,PJSIP/bob=8002"
                pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
                if any(len(p) != 2 for p in pairs):
                    raise ValueError(value)
                return {k.strip(): v.strip() for k, v in pairs}
            if not isinstance(value, dict):
                raise TypeError(value)
            return {str(k): str(v) for k, v in value.items()}
        if typ == list[str]:
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            return [str(v) for v in value]
        return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name!r} from {source}: cannot read {value!r} as {typ}") from exc
