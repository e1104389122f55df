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


class ChannelsAmi(RecordingAmi):
    """A call's channels as CoreShowChannels lists them: ``chans`` (name, bridge), all Up, of ``call``."""

    def __init__(self, call: str, chans: list[tuple[str, str]]) -> None:
        super().__init__()
        self.call, self.chans = call, chans

    def list_action(self, name: str, complete: str, **fields: Any) -> list[dict[str, str]]:
        assert name == "CoreShowChannels"
        return [{"Event": "CoreShowChannel", "Channel": c, "Uniqueid": f"u{i}", "Linkedid": self.call, "BridgeId": b,
                 "ChannelStateDesc": "Up"} for i, (c, b) in enumerate(self.chans)]
