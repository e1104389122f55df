from pathlib import Path

import pytest

from hotline.rules import ring_rule
from hotline.settings import SettingsError, load


def test_defaults_come_from_the_standards() -> None:
    s = load(config_file=None, env={})
    assert (s.ring_cycle_s, s.max_rings) == (5.0, 4)  # R-ANS-4RINGS
    assert ring_rule(s).threshold_s == 20.0
    assert (s.hours_open, s.hours_close) == ("08:00", "22:00")  # R-ANS-HOURS
    assert (s.sla_urban_arrive_min, s.sla_rural_arrive_min) == (30, 120)  # R-FAULT-SLA


def test_file_then_environment_override(tmp_path: Path) -> None:
    cfg = tmp_path / "h.toml"
    cfg.write_text('ring_cycle_s = 2\nagents = ["9001", "9002"]\n')
    s = load(config_file=cfg, env={"HOTLINE_RING_CYCLE_S": "1.5", "HOTLINE_RECORD_CALLS": "no"})
    assert s.ring_cycle_s == 1.5 and s.agents == ["9001", "9002"] and s.record_calls is False


def test_bad_values_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="ami_port"):
        load(config_file=None, env={"HOTLINE_AMI_PORT": "five"})
    cfg = tmp_path / "h.toml"
    cfg.write_text("no_such = 1\n")
    with pytest.raises(SettingsError, match="no_such"):
        load(config_file=cfg, env={})


def test_a_table_of_seconds_from_the_file_or_the_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "h.toml"
    cfg.write_text('alert_break_reason_s = { "用餐" = 3600, "培训" = 7200 }\n', encoding="utf-8")
    assert load(config_file=cfg, env={}).alert_break_reason_s == {"用餐": 3600, "培训": 7200}
    s = load(config_file=None, env={"HOTLINE_ALERT_BREAK_REASON_S": "用餐=3600, 会议 = 0"})
    assert s.alert_break_reason_s == {"用餐": 3600, "会议": 0}
    assert load(config_file=None, env={}).alert_break_reason_s == {}
    for bad in ("用餐=long", "用餐"):
        with pytest.raises(SettingsError, match="alert_break_reason_s"):
            load(config_file=None, env={"HOTLINE_ALERT_BREAK_REASON_S": bad})


def test_secrets_are_generated_once_and_private(tmp_path: Path) -> None:
    s = load(config_file=None, env={}, runtime_dir=tmp_path)
    first = s.secret("ami_secret")
    assert len(first) >= 32 and s.secret("ami_secret") == first
    assert (tmp_path / "secrets" / "ami_secret").stat().st_mode & 0o777 == 0o600
    assert load(config_file=None, env={"HOTLINE_AMI_SECRET": "x" * 20}).secret("ami_secret") == "x" * 20
