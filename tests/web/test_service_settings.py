"""The service settings page (role admin, issue 18): per-field errors with nothing saved, a save the
other pages go by at once, and the history of who changed what."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from hotline.models.service_settings import ServiceSetting
from tests.web.conftest import Panel, csrf_of

PAGE = "/admin/settings"


def _form(html: str) -> dict[str, str]:
    """Every field of the page as shown (inputs and textareas)."""
    out = {m.group(1): m.group(2) for m in re.finditer(r'<input id="f-[^"]+" name="([^"]+)" value="([^"]*)"', html)}
    areas = re.finditer(r'<textarea id="f-[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html)
    out.update({m.group(1): m.group(2) for m in areas})
    return out


def test_only_admin_reaches_the_page(panel: Panel) -> None:
    assert panel.client("boss").get(PAGE).status_code == 403
    assert panel.client("agent1").get(PAGE).status_code == 403
    html = panel.client("root").get(PAGE).get_data(as_text=True)
    assert 'id="group-hours"' in html and 'id="group-ring"' in html and 'id="group-repair"' in html
    assert "database_url" not in html and "ami_port" not in html  # deployment settings: the file's only
    assert 'href="/admin/settings"' in panel.client("root").get("/supervisor").get_data(as_text=True)
    assert 'href="/admin/settings"' not in panel.client("boss").get("/supervisor").get_data(as_text=True)


def test_bad_fields_are_named_and_nothing_is_saved(panel: Panel) -> None:
    c = panel.client("root")
    form = _form(c.get(PAGE).get_data(as_text=True))
    assert form["hours_open"] == "08:00" and form["desk_break_reasons"] == "用餐\n培训\n会议\n其他"
    form.update(hours_open="07:30", max_rings="0", kpi_on_time_pct="120", csrf_token=csrf_of(c, PAGE))
    r = c.post(PAGE, data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert re.search(r'id="error-max_rings">须在 1 到 20 之间<', html)
    assert re.search(r'id="error-kpi_on_time_pct">须在 0 到 100 之间<', html)
    assert 'id="error-hours_open"' not in html and 'value="07:30"' in html  # the good entry stays on the form
    with panel.app.app_context():
        db = panel.db()
        assert db.scalar(select(func.count()).select_from(ServiceSetting)) == 0
        db.close()


def test_a_save_applies_to_the_other_pages_and_is_in_the_history(panel: Panel) -> None:
    c = panel.client("root")
    form = _form(c.get(PAGE).get_data(as_text=True))
    form.update(kpi_satisfaction_pct="90", desk_break_reasons="用餐\n 学习 \n\n", csrf_token=csrf_of(c, PAGE))
    r = c.post(PAGE, data=form, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html
    rows = re.findall(r'<td class="by">root</td>\s*<td class="setting">([^<]+)</td>\s*<td class="old">([^<]*)</td>'
                      r'<td class="new">([^<]*)</td>', html)
    assert sorted(rows) == sorted([("小休原因", "用餐 | 培训 | 会议 | 其他", "用餐 | 学习"),
                                   ("客户满意率目标(百分比)", "95", "90")])
    # the supervisor page reads the target in force, without a restart of the panel
    assert "客户满意率 ≥ 90.0%" in panel.client("boss").get("/supervisor?period=month").get_data(as_text=True)


def test_a_field_reverts_to_the_file_value_kept_in_the_history(panel: Panel) -> None:
    c = panel.client("root")
    form = _form(c.get(PAGE).get_data(as_text=True))
    form.update(max_rings="6", hours_open="07:30", csrf_token=csrf_of(c, PAGE))
    assert c.post(PAGE, data=form).status_code == 302
    html = c.get(PAGE).get_data(as_text=True)
    assert 'id="unset-max_rings"' in html and 'id="unset-hours_open"' in html
    assert 'id="unset-hours_close"' not in html  # the file's value already: nothing to revert
    r = c.post(f"{PAGE}/unset/max_rings", data={"csrf_token": csrf_of(c, PAGE)}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "已恢复为配置文件的值" in html
    assert _form(html)["max_rings"] == "4" and _form(html)["hours_open"] == "07:30"  # only that field
    assert 'id="unset-max_rings"' not in html
    assert re.search(r'<td class="by">root</td>\s*<td class="setting">[^<]+</td>\s*<td class="old">6</td>'
                     r'<td class="new">4 <small class="to-file">\(配置文件的值\)</small>', html)
    with panel.app.app_context():
        db = panel.db()
        assert db.scalar(select(ServiceSetting.key)) == "hours_open"  # max_rings follows the file again
        db.close()
    boss = panel.client("boss")
    assert boss.post(f"{PAGE}/unset/hours_open", data={"csrf_token": csrf_of(boss, "/supervisor")}).status_code == 403


def test_the_fault_keys_are_named_beside_their_field(panel: Panel) -> None:
    """The IVR's fault types are repair category keys (stored on cases): the page names each key's
    category, so an admin who reads Chinese knows what key n of the menu files."""
    html = panel.client("root").get(PAGE).get_data(as_text=True)
    hint = html.split('id="fault-keys"')[1].split("</small>")[0]
    assert '1 <code translate="no">no_picture</code> 无图像' in hint, hint
    assert hint.count("<code") == len(panel.settings.ivr_fault_types)
