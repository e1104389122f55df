"""The dialling / SMS policy (issue 19, toll fraud through callbacks): which numbers the hotline
calls or texts without a supervisor, pure verdicts from settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.dialing_policy import Flag, Purpose, assess
from hotline.settings import Settings, load


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load(config_file=None, env={}, runtime_dir=tmp_path)


@pytest.mark.parametrize("number,kind", [("+8613800000001", "mobile"), ("+861012345678", "fixed_line"),
                                         ("+862087654321", "fixed_line")])
def test_domestic_fixed_and_mobile_are_allowed(settings: Settings, number: str, kind: str) -> None:
    verdict = assess(settings, number)
    assert verdict.allowed and verdict.number_type == kind and verdict.region == "CN"
    assert verdict.summary() == ""


@pytest.mark.parametrize("number,reason", [
    ("+8616812345", "number type premium_rate"),  # 168 information services
    ("+864001234567", "number type shared_cost"),  # 400
    ("+868001234567", "number type toll_free"),  # 800
    ("+447400123456", "region GB not in dial_allowed_regions"),  # keyed 0044…# in the IVR
    ("+449012345678", "region GB"),  # a premium-rate number abroad
    ("+14155550100", "region US"),
    ("+8616800000000000", "not a valid number"),
    ("garbage", "not a number"),
])
def test_anything_else_needs_approval(settings: Settings, number: str, reason: str) -> None:
    verdict = assess(settings, number)
    assert not verdict.allowed and reason in verdict.summary()


def test_regions_and_types_are_settings(settings: Settings) -> None:
    wider = settings.replace(dial_allowed_regions=["CN", "HK"], dial_allowed_types=["mobile", "fixed_line",
                                                                                     "fixed_line_or_mobile",
                                                                                     "toll_free"])
    assert assess(wider, "+868001234567").allowed
    assert assess(wider, "+85251234567").allowed  # a Hong Kong mobile
    assert not assess(wider, "+8616812345").allowed
    only_mobile = settings.replace(dial_allowed_types=["mobile"])
    assert not assess(only_mobile, "+861012345678").allowed


def test_sms_goes_to_mobiles_only(settings: Settings) -> None:
    assert assess(settings, "+8613800000001", purpose=Purpose.SMS).allowed
    assert "number type fixed_line" in assess(settings, "+861012345678", purpose=Purpose.SMS).summary()


def test_keyed_number_other_than_the_caller_id_is_flagged(settings: Settings) -> None:
    keyed = assess(settings, "+861012345678", caller_id="+8613800000001")
    assert keyed.allowed and keyed.flags == (Flag.KEYED_DIFFERS,)
    assert "keyed_differs" in keyed.summary()
    assert assess(settings, "+8613800000001", caller_id="+8613800000001").flags == ()
    assert assess(settings, "+8613800000001").flags == ()
