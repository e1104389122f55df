"""`hotline settings show|set|history`: the panel's checks and history from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline import cli
from hotline.db import open_db
from hotline.settings import load


@pytest.fixture
def migrated(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    engine, _ = open_db(load(config_file=None, env={}, database_url=db_url), upgrade=True)
    engine.dispose()
    return db_url


def test_set_show_history(migrated: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["settings", "set", "hours_close", "20:00", "--by", "ops"]) == 0
    assert "hours_close: 22:00 → 20:00" in capsys.readouterr().out
    assert cli.main(["settings", "set", "desk_break_reasons", "用餐", "培训"]) == 0
    capsys.readouterr()
    assert cli.main(["settings", "show"]) == 0
    shown = capsys.readouterr().out
    assert "hours_close = 20:00    [panel]" in shown and "hours_open = 08:00    [file]" in shown
    assert "desk_break_reasons = 用餐 | 培训    [panel]" in shown
    assert cli.main(["settings", "history", "--key", "hours_close"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "ops  hours_close: 22:00 → 20:00" in lines[0]


def test_bad_value_is_refused_with_its_reason(migrated: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["settings", "set", "max_rings", "0"]) == 1
    assert "max_rings: must be from 1 to 20; nothing saved" in capsys.readouterr().err
    assert cli.main(["settings", "history"]) == 0
    assert capsys.readouterr().out == ""


def test_unset_reverts_to_the_file_value_and_keeps_it_in_the_history(migrated: str,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["settings", "set", "hours_close", "20:00", "--by", "ops"]) == 0
    capsys.readouterr()
    assert cli.main(["settings", "unset", "hours_close", "max_rings", "--by", "ops"]) == 0
    out = capsys.readouterr().out
    assert "hours_close: 20:00 → 22:00 (the file's value" in out and "max_rings: already the file's value" in out
    assert cli.main(["settings", "show"]) == 0
    assert "hours_close = 22:00    [file]" in capsys.readouterr().out
    assert cli.main(["settings", "history", "--key", "hours_close"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "ops  hours_close: 20:00 → 22:00 (reverted to the file's value)" in lines[0]


def test_pbx_render_writes_the_ring_rule_in_force(migrated: str, capsys: pytest.CaptureFixture[str]) -> None:
    """R-ANS-LATE-APOLOGY: `hotline pbx render` (and `hotline run`'s Asterisk) renders the dialplan's
    apology threshold from the panel's ring rule, not only the file's."""
    assert cli.main(["settings", "set", "max_rings", "3"]) == 0
    assert cli.main(["settings", "set", "ring_cycle_s", "2.5"]) == 0
    capsys.readouterr()
    assert cli.main(["pbx", "render"]) == 0
    etc = Path(capsys.readouterr().out.strip().removeprefix("rendered into "))
    dialplan = (etc / "extensions.conf").read_text()
    assert "<= 7.5]" in dialplan and "<= 20]" not in dialplan, dialplan
