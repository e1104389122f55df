"""Finding an agent's call among the PBX's channels (the real PBX is in test_controls.py): the
member channel bridged with the caller, a phone agent's, a callback's, or why there is none."""

from __future__ import annotations

from typing import Any

from hotline.desk.calls import AgentCall, ControlOutcome, find
from hotline.pbx.ami import Ami


class Channels(Ami):
    def __init__(self, *chans: tuple[str, str, str]) -> None:
        super().__init__("127.0.0.1", 0, "test", "never-sent")
        self.chans = chans

    def list_action(self, name: str, complete: str, **fields: Any) -> list[dict[str, str]]:
        assert name == "CoreShowChannels"
        return [{"Event": "CoreShowChannel", "Channel": c, "Linkedid": lid, "BridgeId": bridge, "Uniqueid": c}
                for c, lid, bridge in self.chans]


CALLER = ("Local/10000@from-pstn-00000001;2", "L1", "b1")


def test_a_simulated_agent_answered() -> None:
    ami = Channels(("Local/10000@from-pstn-00000001;1", "L1", ""), CALLER,
                   ("Local/8001@agents-00000002;1", "L1", "b1"), ("Local/8001@agents-00000002;2", "L1", ""))
    assert find(ami, "8001", "L1") == AgentCall("L1", "8001", "Local/8001@agents-00000002;1", CALLER[0], "b1")


def test_a_phone_agent_answered_the_member_leg_is_used() -> None:
    ami = Channels(("PJSIP/8001-00000009", "L1", "b2"), ("Local/8001@agents-phone-00000002;2", "L1", "b2"), CALLER,
                   ("Local/8001@agents-phone-00000002;1", "L1", "b1"))
    found = find(ami, "8001", "L1")
    assert isinstance(found, AgentCall) and found.agent_channel == "Local/8001@agents-phone-00000002;1"
    assert found.caller_channel == CALLER[0]


def test_a_callback_on_the_agents_phone() -> None:
    ami = Channels(("PJSIP/8001-00000003", "L9", "b9"), ("PJSIP/trunk-00000004", "L9", "b9"))
    found = find(ami, "8001", "L9")
    assert isinstance(found, AgentCall) and found.caller_channel == "PJSIP/trunk-00000004"


def test_why_there_is_no_call() -> None:
    ringing = Channels(("Local/10000@from-pstn-00000001;2", "L1", ""), ("Local/8001@agents-00000002;1", "L1", ""))
    assert find(ringing, "8001", "L1") == (ControlOutcome.NOT_ANSWERED, "8001 has not answered call L1")
    assert find(ringing, "8002", "L1") == (ControlOutcome.NOT_YOURS, "call L1 is not 8002's")
    assert find(ringing, "8001", "L2") == (ControlOutcome.CALL_ENDED, "call L2 has ended")
    # 80012 is not 8001
    other = Channels(CALLER, ("Local/80012@agents-00000002;1", "L1", "b1"))
    assert find(other, "8001", "L1")[0] == ControlOutcome.NOT_YOURS  # type: ignore[index]
