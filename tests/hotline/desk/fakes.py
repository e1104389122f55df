"""Stand-ins for the PBX in the desk's tests that need no Asterisk."""

from __future__ import annotations

from typing import Any

from hotline.pbx.ami import Ami


class RecordingAmi(Ami):
    """Takes every action, answers success, remembers (name, fields)."""

    def __init__(self) -> None:
        super().__init__("127.0.0.1", 0, "test", "never-sent")
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def action(self, name: str, variables: dict[str, Any] | None = None, **fields: Any) -> dict[str, str]:
        self.sent.append((name, fields))
        return {"Response": "Success"}
