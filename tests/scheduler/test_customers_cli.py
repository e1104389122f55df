"""`hotline customers import|export` and `hotline cases complaint-categories` from the command
line: a bad file imports nothing and names its lines; Excel's BOM is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.cli import main


@pytest.fixture
def hotline_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    return tmp_path


def test_import_export_all_or_nothing(hotline_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = hotline_dir / "bad.csv"
    bad.write_bytes("\ufeff号码,姓名,地址,片区,城乡,vip,账号\n13800000001,张三,东城,东城,urban,yes,A-1\n"
                    "12,李四,,,,no,\n".encode())
    capsys.readouterr()
    assert main(["customers", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3: not a phone number: '12'" in err and "nothing imported" in err
    assert main(["customers", "export"]) == 0
    assert capsys.readouterr().out == "\ufeffnumbers,name,address,district,area,vip,account\r\n"  # none half-imported
    good = hotline_dir / "good.csv"
    good.write_bytes(bad.read_bytes().replace(b"12,", b"13800000002,"))
    assert main(["customers", "import", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "2 customers added, 0 updated"
    out = hotline_dir / "out.csv"
    assert main(["customers", "export", str(out)]) == 0
    assert "+8613800000001,张三,东城,东城,urban,yes,A-1" in out.read_text(encoding="utf-8-sig")
    assert main(["customers", "import", str(hotline_dir / "missing.csv")]) == 1


def test_complaint_categories_csv(hotline_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["callbacks", "complaint", "13800000002", "--category", "unclear_bill"]) == 0
    capsys.readouterr()
    assert main(["cases", "complaint-categories", "--months", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "\ufeffmonth,category,label,complaints,change,resolution_h"
    assert sum(1 for line in lines if ",unclear_bill,账单不清,1," in line) == 1
    assert main(["cases", "complaint-categories", "--month", "2025-13"]) == 2


def test_import_checks_the_districts_set_in_the_panel(hotline_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """#18: a district list saved in the panel (service settings) is the one an import is checked against."""
    assert main(["settings", "set", "districts", "东城", "西城"]) == 0
    rows = hotline_dir / "rows.csv"
    rows.write_text("号码,姓名,地址,片区,城乡,vip,账号\n13800000001,张三,,南城,urban,no,\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["customers", "import", str(rows)]) == 1
    assert "unknown district '南城'; one of 东城, 西城" in capsys.readouterr().err
    rows.write_text(rows.read_text(encoding="utf-8").replace("南城", "西城"), encoding="utf-8")
    assert main(["customers", "import", str(rows)]) == 0
