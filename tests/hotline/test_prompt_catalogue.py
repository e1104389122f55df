"""The catalogue of standard phrases (issue 4): ids, rules, texts rendered from settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotline.prompt_catalogue import (
    CATALOGUE_PATH,
    CatalogueError,
    by_id,
    load_catalogue,
    missing_prompts,
    zh_clock,
    zh_duration,
    zh_number,
)
from hotline.settings import load

# The ids the IVR and the agent-side dialplan rely on (helper-context: "Interfaces already fixed").
REQUIRED = """welcome menu invalid_key no_input fault_contact_confirm fault_enter_contact fault_account
fault_area fault_type fault_describe fault_confirm fault_ticket sla_urban sla_rural sla_urban_next_open
sla_rural_next_open outage_prefix
outage_cause_power outage_cause_headend outage_cause_force_majeure outage_cause_other outage_apology
out_of_hours agent_callback consult_callback complaint_received queue_hold all_busy late_apology silent_caller
please_repeat work_number_prefix work_number_suffix survey survey_thanks goodbye repair_status_ticket
repair_status_arranging repair_status_dispatched repair_status_booked repair_status_outage repair_status_keys""".split()

# The rule ids of SERVICE-STANDARDS.md (kept outside the repository, so listed here).
RULES = set("""R-ANS-4RINGS R-ANS-GREET R-ANS-LATE-APOLOGY R-ANS-SILENT R-ANS-HANGUP-LAST R-ANS-HOURS R-ONE-CALL
R-REC-FIELDS R-MISSED-CALLBACK R-FAULT-DISPATCH R-FAULT-OUTAGE R-FAULT-SLA R-FAULT-REVISIT R-CONSULT-24H
R-COMPLAINT R-COMPLAINT-CATEGORIES R-VIP R-OVERDUE R-QA R-SURVEY R-KPI R-PRIVACY R-HANDOVER""".split())


def settings(tmp_path: Path, **kw: object):
    return load(config_file=None, env={}, runtime_dir=tmp_path, **kw)


def test_catalogue_has_every_required_id_and_the_ten_digits() -> None:
    ids = [p.id for p in load_catalogue()]
    assert set(REQUIRED) <= set(ids), set(REQUIRED) - set(ids)
    assert [i for i in ids if i.startswith("digits/")] == [f"digits/{n}" for n in range(10)]


def test_every_prompt_cites_a_rule_of_the_standards() -> None:
    for p in load_catalogue():
        assert p.rule in RULES, (p.id, p.rule)
        assert p.used


def test_fixed_phrases_are_the_standards_words(tmp_path: Path) -> None:
    s = settings(tmp_path, company_name="广电网络")
    cat = by_id(load_catalogue())
    # R-ANS-LATE-APOLOGY, R-ANS-SILENT, R-ANS-GREET: the exact words of the appendix
    assert cat["late_apology"].text(s) == "对不起,电话较忙,让您久等了。"
    assert cat["goodbye"].text(s) == "感谢您对广电网络的支持,欢迎您继续关注,再见。"
    assert cat["silent_caller"].text(s) == "您好,这里是广电网络客服中心,请讲。"
    assert cat["please_repeat"].text(s) == "对不起,请您重复一遍好吗?"
    assert cat["welcome"].text(s).startswith("您好") and "广电网络" in cat["welcome"].text(s)
    assert cat["work_number_prefix"].text(s) == "工号" and cat["work_number_suffix"].text(s) == "为您服务"
    # main menu: 1 fault report, 2 consultation, 3 complaint, 0 agent
    menu = cat["menu"].text(s)
    for words in ("报修请按一", "咨询请按二", "投诉请按三", "人工服务请按零"):
        assert words in menu


def test_sla_and_hours_texts_follow_the_settings(tmp_path: Path) -> None:
    cat = by_id(load_catalogue())
    s = settings(tmp_path)  # R-FAULT-SLA defaults: urban 30 min, rural 2 h; R-ANS-HOURS 08:00-22:00
    assert "三十分钟内" in cat["sla_urban"].text(s)
    assert "两小时内" in cat["sla_rural"].text(s)
    assert "八点至二十二点" in cat["out_of_hours"].text(s)
    s2 = settings(tmp_path, sla_urban_arrive_min=45, sla_rural_arrive_min=90, hours_open="07:30")
    assert "四十五分钟内" in cat["sla_urban"].text(s2)
    assert "一小时三十分钟内" in cat["sla_rural"].text(s2)
    assert "七点三十分至" in cat["out_of_hours"].text(s2)


def test_no_arabic_digits_in_rendered_texts(tmp_path: Path) -> None:
    # an engine may read "30" in English; numbers are spoken from hanzi or from digits/<n>
    s = settings(tmp_path)
    for p in load_catalogue():
        assert not re.search(r"[0-9]", p.text(s)), (p.id, p.text(s))


@pytest.mark.parametrize("n,words", [(0, "零"), (2, "二"), (10, "十"), (15, "十五"), (30, "三十"), (105, "一百零五"),
                                     (110, "一百一十"), (120, "一百二十"), (1005, "一千零五"), (1440, "一千四百四十")])
def test_zh_number(n: int, words: str) -> None:
    assert zh_number(n) == words


def test_zh_duration_and_clock() -> None:
    assert zh_duration(30) == "三十分钟"
    assert zh_duration(120) == "两小时"
    assert zh_duration(24 * 60) == "一天"
    assert zh_duration(12 * 60) == "十二小时"
    assert zh_clock("22:00") == "二十二点"
    with pytest.raises(ValueError):
        zh_duration(0)
    with pytest.raises(ValueError):
        zh_clock("8h")


def test_bad_catalogues_are_refused_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text('[[prompt]]\nid = "x"\ntext = "您好{nobody}"\nrule = "R-ANS-GREET"\nused = "t"\n', encoding="utf-8")
    (p,) = load_catalogue(bad)
    with pytest.raises(CatalogueError, match="nobody"):
        p.text(settings(tmp_path))
    bad.write_text('[[prompt]]\nid = "x"\ntext = "您好"\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match="lacks rule, used"):
        load_catalogue(bad)
    bad.write_text(2 * '[[prompt]]\nid = "x"\ntext = "您好"\nrule = "R"\nused = "u"\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match="duplicate"):
        load_catalogue(bad)
    bad.write_text("[[prompt]\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=str(bad)):
        load_catalogue(bad)


def test_missing_prompts_names_unknown_and_unbuilt_ids(tmp_path: Path) -> None:
    s = settings(tmp_path)
    ids = ["welcome", "hotline/menu", "digits/7", "no_such_prompt"]
    assert missing_prompts(s, ids) == ids  # nothing built yet
    for name in ("hotline/welcome", "hotline/menu", "digits/7"):
        f = s.sounds_dir / f"{name}.wav"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"RIFF")
    assert missing_prompts(s, ids) == ["no_such_prompt"]
    assert CATALOGUE_PATH.is_file()
