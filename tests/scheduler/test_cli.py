"""`hotline callbacks …` and `hotline scheduler run --once` from the command line."""

from __future__ import annotations

import json

from hotline.cli import main


def test_cli_consult_complaint_list_and_scheduler(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    assert main(["callbacks", "consult", "13800000001", "--agent", "8001", "--note", "资费"]) == 0
    assert main(["callbacks", "complaint", "13800000002", "--kind", "complex", "--summary", "乱收费"]) == 0
    assert main(["callbacks", "consult", "anonymous"]) == 1  # a clear error, not a traceback
    assert main(["scheduler", "run", "--once"]) == 0
    capsys.readouterr()
    assert main(["callbacks", "list", "--agent", "8001", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["reason"], r["owner"]) for r in rows] == [("complaint", None), ("consult", "8001")]
    assert main(["callbacks", "dial", "999", "--agent", "8001"]) == 1
    assert main(["callbacks", "cancel", str(rows[1]["id"]), "--note", "answered by SMS"]) == 0
    capsys.readouterr()
    assert main(["callbacks", "list", "--json"]) == 0
    assert [r["reason"] for r in json.loads(capsys.readouterr().out)] == ["complaint"]


def test_cli_callbacks_go_by_the_rules_set_in_the_panel(tmp_path, monkeypatch, capsys) -> None:
    """#18: `hotline callbacks complaint` starts its clocks with the complaint rules in force."""
    from datetime import datetime

    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    assert main(["db", "upgrade"]) == 0
    assert main(["settings", "set", "complaint_contact_h", "5"]) == 0
    capsys.readouterr()
    assert main(["callbacks", "complaint", "13800000002", "--summary", "乱收费"]) == 0
    out = capsys.readouterr().out
    contact = datetime.fromisoformat(out.split("contact by ")[1].split(",")[0])
    solution = datetime.fromisoformat(out.split("solution by ")[1].strip())
    assert contact < solution
    assert 4.9 * 3600 <= (contact - datetime.now(contact.tzinfo)).total_seconds() <= 5 * 3600 + 5, out
