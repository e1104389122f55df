"""`hotline <area> <verb>`: the areas and their verbs, and the services' refusal of a database
`hotline db upgrade` has not brought up to date (only it and `hotline run` migrate)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hotline import cli
from hotline.db import head_revision

AREAS = {
    "run": None,
    "pbx": {"render", "start", "turn", "cli"},
    "db": {"upgrade", "status", "backup", "restore"},
    "listener": {"listen", "capture", "replay", "rebuild", "reimport", "simulate"},
    "ivr": {"serve"},
    "web": {"serve"},
    "user": {"add", "passwd", "disable", "enable", "token"},
    "prompts": {"build", "list", "upload", "revert", "history", "text", "restore"},
    "callbacks": {"list", "dial", "consult", "complaint", "complaint-update", "revisit", "outcome", "cancel", "held",
                  "approve", "escalations"},
    "scheduler": {"run", "purge"},
    "customers": {"import", "export"},
    "cases": {"complaint-categories"},
    "doctor": None,
    "settings": {"show", "set", "unset", "history"},
}


def _choices(parser: object) -> dict[str, object]:
    (action,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]  # type: ignore[attr-defined]
    return dict(action.choices)


def test_areas_and_verbs() -> None:
    areas = _choices(cli.build_parser())
    assert set(areas) == set(AREAS)
    for area, verbs in AREAS.items():
        if verbs is not None:
            assert set(_choices(areas[area])) == verbs, area


@pytest.mark.parametrize("old", [["listen"], ["replay", "x.ami"], ["simulate"], ["purge"], ["callback", "list"],
                                 ["pbx", "run"], ["ivr"], ["web"], ["scheduler"]])
def test_flat_commands_are_gone(old: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(old)
    assert exc.value.code == 2


@pytest.fixture
def fresh_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings from the environment only, on a SQLite file nobody has migrated yet."""
    for name in ("HOTLINE_CONFIG", "HOTLINE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(tmp_path / "var"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("argv", [["listener", "listen"], ["ivr", "serve"], ["web", "serve"], ["scheduler", "run"],
                                  ["scheduler", "purge"], ["callbacks", "list"], ["user", "token", "li"]])
def test_services_refuse_a_schema_not_current(fresh_env: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # a service sets its malloc policy first: here it would fix glibc's mmap threshold for the rest
    # of this pytest process, mapping every later large block apart (the fuzz test took 20× as long)
    monkeypatch.setattr("hotline.malloc_policy.start", lambda *args, **kwargs: None)
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert (f"hotline: database schema is at empty (no schema), this hotline needs {head_revision()}: "
            "run `hotline db upgrade`") in err, err
    assert "Traceback" not in err


def test_db_upgrade_then_status(fresh_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["db", "status"]) == 1
    assert "at empty (no schema)" in capsys.readouterr().out
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["db", "status"]) == 0
    assert f"at {head_revision()}; this hotline needs {head_revision()}" in capsys.readouterr().out
    assert cli.main(["scheduler", "run", "--once"]) == 0  # current now: the service runs


def test_schema_checks_do_not_chatter(fresh_env: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Every command checks the schema; Alembic logged "Context impl SQLiteImpl." and "Will assume
    non-transactional DDL." for it on each `hotline user add`, `hotline settings show` … (the
    newcomer's walk). The migrations themselves are still logged."""
    caplog.set_level(logging.INFO)
    assert cli.main(["db", "upgrade"]) == 0
    assert "Running upgrade" in caplog.text
    caplog.clear()
    assert cli.main(["db", "status"]) == 0
    assert "Context impl" not in caplog.text and "Will assume" not in caplog.text


def test_a_bad_internal_number_pattern_is_refused_by_name(fresh_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The listener reads internal_number_pattern when it starts (a phone's own call: internal or
    out through a trunk): a pattern that is no regular expression stops it with the setting named,
    and `hotline doctor` fails its settings check the same way."""
    from hotline.doctor import check_settings
    from hotline.settings import load
    from tests.ami_listener.replay import CAPTURES

    monkeypatch.setenv("HOTLINE_INTERNAL_NUMBER_PATTERN", "[0-9")
    assert cli.main(["listener", "replay", str(CAPTURES / "foreign_phone_trunk_out.ami"), "--no-store"]) == 2
    err = capsys.readouterr().err
    assert "hotline: setting 'internal_number_pattern': '[0-9' is not a regular expression" in err, err
    assert "Traceback" not in err
    check = check_settings(load(config_file=None))
    assert not check.ok and "internal_number_pattern" in check.detail


def test_a_service_started_with_ctrl_c_ignored_still_stops_on_it(fresh_env: Path) -> None:
    """A shell's background job (`make run &`, a CI step) starts with SIGINT ignored, and Python
    then raises no KeyboardInterrupt. SIGINT is how `hotline run`'s supervisor stops a service
    along its flush path, so every `hotline` command takes it back (hotline.cli.take_back_ctrl_c)."""
    import os
    import signal
    import subprocess
    import sys

    assert cli.main(["db", "upgrade"]) == 0
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root), HOTLINE_CALLBACK_SCHEDULER_INTERVAL_S="0.2")
    proc = subprocess.Popen([sys.executable, "-m", "hotline", "scheduler", "run"], env=env, cwd=fresh_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:  # up: its first pass logged
            seen.append(line)
            if "scheduler pass" in line:
                break
        assert any("scheduler pass" in x for x in seen), "".join(seen)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
