"""Call search, the call page (timeline, escaping), recordings (confinement, audit log) and QA
grades (R-QA pre-fill, never edited, corrections with a reason)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

from hotline.models import QaGrade, RecordingListen
from hotline.timeutil import utcnow
from tests.web.conftest import Panel, csrf_of
from tests.web.factory import make_call, make_wav


def _ids(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'<tr class="call" data-id="(\d+)"', html)}


def test_search_filters(panel: Panel) -> None:
    db = panel.db()
    wav = make_wav(panel.monitor / "r.wav", 0.2)
    ok = make_call(db, agent="8001", number="13800000001", recording=str(wav))
    late = make_call(db, agent="8002", number="13800000002", wait=30)
    rude = make_call(db, agent="8001", number="13800000003", hangup_first="agent")
    gone = make_call(db, disposition="abandoned", number="13800000004", wait=50)
    old = make_call(db, at=utcnow() - timedelta(days=40), agent="8001", number="13800000005")
    db.add(QaGrade(call_pk=rude.id, agent="8001", inspector_id=3, score=50, checklist={}, created_at=utcnow()))
    db.commit()
    c = panel.client("insp")
    def q(args: str) -> set[int]:
        return _ids(c.get("/calls?" + args).get_data(as_text=True))

    assert q("") == {ok.id, late.id, rude.id, gone.id, old.id}
    assert q("agent=8001") == {ok.id, rude.id, old.id}
    assert q("late=1") == {late.id}
    assert q("hangup_first=1") == {rude.id}
    assert q("recording=1") == {ok.id}
    assert q("disposition=abandoned") == {gone.id}
    assert q("qa=graded") == {rude.id}
    assert q("qa=ungraded") == {ok.id, late.id, gone.id, old.id}
    assert q("number=0002") == {late.id}
    today = utcnow().date()
    since = (today - timedelta(days=2)).isoformat()
    assert old.id not in q(f"date_from={since}")
    assert q(f"date_to={(today - timedelta(days=30)).isoformat()}") == {old.id}
    # the API takes the same filters
    api = c.get("/api/v1/calls?agent=8001&hangup_first=1").get_json()["calls"]
    assert [x["id"] for x in api] == [rude.id] and api[0]["qa_score"] == 50


def test_calls_flagged_malicious_are_found_for_review(panel: Panel) -> None:
    """R-ANS-HANGUP-LAST's exception: a call the agent flagged 恶意骚扰 does not count as "agent
    hung up first", so the supervisors and inspectors find the flagged calls to review them; an
    agent finds only their own."""
    db = panel.db()
    flagged = make_call(db, agent="8001", hangup_first="agent", vars={"HOTLINE_MALICIOUS": "8001"})
    other = make_call(db, agent="8002", hangup_first="agent", vars={"HOTLINE_MALICIOUS": "8002"})
    rude = make_call(db, agent="8001", hangup_first="agent")
    for user in ("insp", "boss"):
        html = panel.client(user).get("/calls?malicious=1").get_data(as_text=True)
        assert _ids(html) == {flagged.id, other.id}
        assert "8001 标记为恶意骚扰" in html and 'name="malicious" value="1" checked' in html
    assert _ids(panel.client("insp").get("/calls?hangup_first=1").get_data(as_text=True)) == {rude.id}
    assert _ids(panel.client("agent1").get("/calls?malicious=1").get_data(as_text=True)) == {flagged.id}
    api = panel.client("boss").get("/api/v1/calls?malicious=1&agent=8002").get_json()["calls"]
    assert [x["id"] for x in api] == [other.id]


def test_call_page_timeline_and_escaping(panel: Panel) -> None:
    db = panel.db()
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    t0 = utcnow() - timedelta(minutes=3)
    call = make_call(db, at=t0, agent="8002", caller_name=evil, wait=12,
                     attempts=[("8001", 4.0, "no_answer"), ("8002", 8.0, "answered")],
                     ivr={"path": [{"step": "menu", "digits": "1<b>", "result": "ok",
                                    "at": (t0 + timedelta(seconds=2)).isoformat()},
                                   {"step": evil, "digits": "", "result": "timeout",
                                    "at": (t0 + timedelta(seconds=5)).isoformat()}]},
                     transfers=[{"to": evil, "at": (t0 + timedelta(seconds=40)).isoformat()}])
    html = panel.client("boss").get(f"/calls/{call.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "1<b>" not in html
    assert '<dd id="survey">—</dd>' in html  # no rating: said, as 保持's —, not an empty line
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    timeline = html[html.index('id="timeline"'):html.index("</ol>")]
    order = [m for m in re.findall(r'class="step-(\w+)"', timeline)]
    assert order == ["call_started", "ivr", "ivr", "queued", "ring", "ring", "answered", "transfer", "ended"]
    assert "话务员 8001 振铃 4.0 秒:无人接听" in timeline
    assert "«1&lt;b&gt;»" in timeline
    # the IVR steps in the page's language (the newcomer's walk saw "语音导航 menu: 按键 «» timeout")
    assert "语音导航 主菜单: 按键 «1&lt;b&gt;» 已完成" in timeline and "超时未按键" in timeline
    assert "«»" not in timeline and " timeout" not in timeline
    # a transfer by who, to whom and how, not its entry's keys (转接 kind=blind from_agent=8002 …)
    assert "转接 → &lt;script&gt;" in timeline and "to=" not in timeline
    handed = make_call(db, agent="8001", transfers=[
        {"kind": "blind", "from_agent": "8001", "to": "8003", "at": t0.timestamp(), "result": "Success"},
        {"kind": "attended", "from_agent": "8001", "to": "8002", "at": t0.timestamp() + 1, "result": "Fail"}])
    steps = panel.client("boss").get(f"/calls/{handed.id}").get_data(as_text=True)
    steps = steps[steps.index('id="timeline"'):steps.index("</ol>")]
    assert "转接 8001 → 8003 (直接转接)" in steps
    assert '转接 8001 → 8002 (咨询转接): <span class="bad">失败</span>' in steps
    assert "kind=" not in steps and "Success" not in steps and "from_agent" not in steps
    # the CSV neutralises formulas in attacker-controlled fields
    make_call(db, agent="8001", caller_name="=HYPERLINK(\"http://x\")")
    csv_text = panel.client("boss").get("/calls?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text


def test_recording_is_served_with_an_audit_entry(panel: Panel) -> None:
    db = panel.db()
    wav = make_wav(panel.monitor / "1700.1-1700.2.wav", 0.5)
    call = make_call(db, agent="8001", recording=str(wav))
    c = panel.client("insp")
    page = c.get(f"/calls/{call.id}").get_data(as_text=True)
    assert f'<audio controls preload="none" id="player" src="/calls/{call.id}/recording">' in page
    r = c.get(f"/calls/{call.id}/recording")
    assert r.status_code == 200 and r.mimetype == "audio/wav" and r.data == wav.read_bytes()
    assert r.data[:4] == b"RIFF"
    part = c.get(f"/calls/{call.id}/recording", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and len(part.data) == 100
    listens = panel.db().query(RecordingListen).all()
    assert [(x.call_pk, x.username) for x in listens] == [(call.id, "insp")]  # the ranged re-read is not a new listen
    panel.client("agent1").get(f"/calls/{call.id}/recording")
    assert panel.db().query(RecordingListen).count() == 2
    assert "insp" in panel.client("boss").get(f"/calls/{call.id}").get_data(as_text=True)


def test_a_transferred_calls_recording_plays_every_part_in_order(panel: Panel) -> None:
    """Each agent's leg records its own part (hotline/recording_parts.py): the call page lists
    them in the order the legs started, with their agent, each playable. Until 7 December the
    page played the one file the record names, and the inspector heard one agent of two."""
    db = panel.db()
    call = make_call(db, agent="8001", final_agent="8002")
    first = make_wav(panel.monitor / f"{call.call_id}-1700000000.9-8001.wav", 0.3)
    second = make_wav(panel.monitor / f"{call.call_id}-1700000060.10-8002.wav", 0.5)
    make_wav(panel.monitor / "1699999999.1-1700000000.8-8003.wav", 0.2)  # another call's part
    call.recording = str(second)  # the listener names the last part started
    db.commit()
    c = panel.client("insp")
    page = c.get(f"/calls/{call.id}").get_data(as_text=True)
    assert re.findall(r'<span class="part-agent">[^<]*?(\d+)</span>', page) == ["8001", "8002"]
    assert re.findall(r'<audio controls preload="none" id="([\w-]+)" src="([^"]+)"', page) == [
        ("player", f"/calls/{call.id}/recording"), ("player-2", f"/calls/{call.id}/recording/1")]
    assert c.get(f"/calls/{call.id}/recording").data == first.read_bytes()
    assert c.get(f"/calls/{call.id}/recording/1").data == second.read_bytes()
    assert c.get(f"/calls/{call.id}/recording/2").status_code == 404
    assert [x.username for x in panel.db().query(RecordingListen).all()] == ["insp", "insp"]  # R-PRIVACY


def test_recording_outside_the_monitor_dir_is_never_served(panel: Panel, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    db = panel.db()
    outside = make_wav(tmp_path_factory.mktemp("elsewhere") / "x.wav", 0.2)
    sneaky = panel.monitor / ".." / "secret.wav"
    make_wav(panel.monitor.parent / "secret.wav", 0.2)
    link = panel.monitor / "link.wav"
    link.symlink_to(outside)
    c = panel.client("boss")
    for path in (str(outside), str(sneaky), "/etc/passwd", str(link), str(panel.monitor / "missing.wav")):
        call = make_call(db, agent="8001", recording=path)
        assert c.get(f"/calls/{call.id}/recording").status_code == 404, path
        assert 'id="player"' not in c.get(f"/calls/{call.id}").get_data(as_text=True)
    assert panel.db().query(RecordingListen).count() == 0


def test_a_calls_holds_on_its_page_in_the_csv_and_the_api(panel: Panel) -> None:
    """保持 N 次,共 X 秒 beside the talk time; unknown (a call built before 0024, a backfilled one)
    is a dash, not 0; the CSV and the API carry both facts."""
    db = panel.db()
    held = make_call(db, agent="8001", number="13800000011", talk=95.0, holds=2, hold_seconds=41.26)
    plain = make_call(db, agent="8001", number="13800000012", holds=0, hold_seconds=0.0)
    unknown = make_call(db, agent="8001", number="13800000013")
    c = panel.client("boss")

    def shown(call_pk: int) -> str:
        html = c.get(f"/calls/{call_pk}").get_data(as_text=True)
        return re.search(r'<dt>保持</dt><dd id="holds">([^<]*)</dd>', html).group(1)  # type: ignore[union-attr]
    assert (shown(held.id), shown(plain.id), shown(unknown.id)) == ("2 次,共 41.3 秒", "0 次,共 0.0 秒", "—")
    rows = list(csv.DictReader(io.StringIO(c.get("/calls?format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    by_number = {r["caller_number"][-2:]: (r["holds"], r["hold_seconds"]) for r in rows}
    assert by_number == {"11": ("2", "41.26"), "12": ("0", "0.0"), "13": ("", "")}
    api = {x["id"]: (x["holds"], x["hold_seconds"]) for x in c.get("/api/v1/calls").get_json()["calls"]}
    assert api == {held.id: (2, 41.26), plain.id: (0, 0.0), unknown.id: (None, None)}


def test_qa_sheet_prefilled_from_the_call_record(panel: Panel) -> None:
    """A deduction sheet starts with every item met; what the call record decides is pre-filled."""
    db = panel.db()
    good = make_call(db, agent="8001", wait=5, vars={"HOTLINE_WORKNUM_PLAYED": "1"})
    apologised = make_call(db, agent="8001", wait=30, vars={"HOTLINE_LATE_APOLOGY": "1"})
    bad = make_call(db, agent="8001", wait=30, hangup_first="agent")
    c = panel.client("insp")

    def checked(call_pk: int) -> dict[str, bool]:
        html = c.get(f"/calls/{call_pk}").get_data(as_text=True)
        out = {}
        for key in ("greeting", "four_rings", "hung_up_last", "polite"):
            tag = re.search(rf'<input type="checkbox" name="item_{key}"[^>]*>', html, re.DOTALL).group(0)
            out[key] = "checked" in tag
        return out

    assert checked(good.id) == {"greeting": True, "four_rings": True, "hung_up_last": True, "polite": True}
    assert checked(apologised.id)["four_rings"] is True
    assert checked(bad.id) == {"greeting": False, "four_rings": False, "hung_up_last": False, "polite": True}
    # the score shown before any tick is the sheet's sum of the pre-filled items: 100 − 10 − 10 − 10
    html = c.get(f"/calls/{bad.id}").get_data(as_text=True)
    assert re.search(r'<output id="qa-score"[^>]*>(\d+)</output>', html).group(1) == "70"  # type: ignore[union-attr]


def test_grades_are_never_edited_only_corrected(panel: Panel) -> None:
    db = panel.db()
    call = make_call(db, agent="8001")
    c = panel.client("insp")
    token = csrf_of(c, f"/calls/{call.id}")
    met = {f"item_{k}": "1" for k in ("greeting", "four_rings", "polite", "no_interrupt", "confirmed", "accurate",
                                      "record_complete", "closing", "hung_up_last", "no_quarrel", "privacy")}
    def post(**form: str) -> Any:
        return c.post(f"/calls/{call.id}/qa", data=dict(csrf_token=token, **form))

    # a typed score is not the grade's: the server sums the ticked items (R-QA)
    r = post(**(met | {"item_greeting": "", "item_closing": ""}), score="99", comment="<b>ok</b>",
             remark_greeting="no work number", remark_closing="no goodbye", remark_polite="ticked: not kept")
    assert r.status_code == 303
    first = panel.db().query(QaGrade).one()
    assert (first.score, first.checklist["polite"], first.checklist["greeting"]) == (85, True, False)
    assert first.remarks == {"greeting": "no work number", "closing": "no goodbye"} and first.sheet["greeting"] == 10
    assert first.agent == "8001"
    # a second plain grade is refused: the saved one stands
    post(**met)
    assert panel.db().query(QaGrade).count() == 1
    # a correction without a reason is refused; with one it is a new row
    post(**met, corrects_id=str(first.id))
    assert panel.db().query(QaGrade).count() == 1
    post(**(met | {"item_privacy": ""}), corrects_id=str(first.id), reason="read the ID number out",
         remark_privacy="read the ID number out")
    rows = panel.db().query(QaGrade).order_by(QaGrade.id).all()
    assert [(g.score, g.corrects_id) for g in rows] == [(85, None), (0, first.id)]  # a veto item zeroes it
    html = c.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "&lt;b&gt;ok&lt;/b&gt;" in html and 'class="superseded"' in html
    # correcting a superseded grade is refused
    post(**met, corrects_id=str(first.id), reason="again")
    assert panel.db().query(QaGrade).count() == 2
    # only inspectors (and admins) grade
    boss = panel.client("boss")
    t2 = csrf_of(boss, f"/calls/{call.id}")
    assert boss.post(f"/calls/{call.id}/qa", data={"csrf_token": t2, **met}).status_code == 403
    assert 'id="qa-form"' not in boss.get(f"/calls/{call.id}").get_data(as_text=True)


def test_inspector_cannot_recover_a_number_by_longer_endings(panel: Panel) -> None:
    """R-PRIVACY (issue 19): an inspector sees the last 4 digits and may search by them or by the
    whole number; an ending of 5 digits or more would reveal one more digit per ~10 requests."""
    db = panel.db()
    make_call(db, agent="8001", number="13912345678", caller_name="target")
    insp, boss = panel.client("insp"), panel.client("boss")

    def found(c: object, number: str) -> bool:
        return bool(c.get(f"/api/v1/calls?number={number}").get_json()["calls"])  # type: ignore[attr-defined]

    assert found(insp, "5678") and found(insp, "678") and found(insp, "13912345678")
    for ending in ("45678", "345678", "2345678", "912345678"):
        assert not found(insp, ending), ending
        assert 'class="call"' not in insp.get(f"/calls?number={ending}").get_data(as_text=True)
        assert found(boss, ending), ending  # supervisors see whole numbers anyway


def test_inspector_sees_keyed_numbers_masked_on_the_timeline(panel: Panel) -> None:
    db = panel.db()
    t0 = utcnow() - timedelta(minutes=3)
    path = [{"step": "menu", "digits": "2", "result": "ok", "at": t0.isoformat()},
            {"step": "fault.contact", "digits": "13700001234", "result": "ok", "at": t0.isoformat()},
            {"step": "fault.account", "digits": "5550123", "result": "ok", "at": t0.isoformat()}]
    call = make_call(db, at=t0, agent="8001", ivr={"path": path},
                     transfers=[{"kind": "blind", "to": "13600009876", "at": t0.isoformat()},
                                {"kind": "attended", "to": "8002", "at": t0.isoformat()}])
    insp = panel.client("insp").get(f"/calls/{call.id}").get_data(as_text=True)
    for secret in ("13700001234", "5550123", "13600009876"):
        assert secret not in insp, secret
    assert "«2»" in insp and "«*******1234»" in insp and "«*******»" in insp
    assert "→ *******9876 (直接转接)" in insp and "→ 8002 (咨询转接)" in insp
    boss = panel.client("boss").get(f"/calls/{call.id}").get_data(as_text=True)
    assert "13700001234" in boss and "5550123" in boss and "13600009876" in boss


def test_every_fetch_of_a_recordings_start_is_audited(panel: Panel) -> None:
    """Issue 19: only a missing Range or one spelled ``bytes=0-`` was logged; other spellings of a
    range from byte 0 fetched the whole recording without a trace."""
    db = panel.db()
    wav = make_wav(panel.monitor / "ranges.wav", 0.3)
    size = wav.stat().st_size
    call = make_call(db, agent="8001", recording=str(wav))
    insp = panel.client("insp")

    def listens() -> int:
        with panel.app.app_context():
            return len(panel.db().query(RecordingListen).filter_by(call_pk=call.id).all())

    starts = ["bytes=00-", "BYTES=0-", "bytes= 0-99", "bytes=0-0",
              "bytes=000-10"]
    for n, header in enumerate(starts, 1):
        r = insp.get(f"/calls/{call.id}/recording", headers={"Range": header})
        assert r.status_code in (200, 206), (header, r.status_code)
        assert listens() == n, header
    before = listens()
    for header in ("bytes=100-", "bytes=1-", "bytes=-10"):  # a player's later ranges: not a new listen
        r = insp.get(f"/calls/{call.id}/recording", headers={"Range": header})
        assert r.status_code == 206 and r.content_range is not None and r.content_range.start > 0, header
    assert listens() == before
    # a whole-file suffix range: Werkzeug answers 416 (nothing sent), or, if it ever sends, it is on record
    for header in (f"bytes=-{size}", f"bytes=-{size + 100}"):
        r = insp.get(f"/calls/{call.id}/recording", headers={"Range": header})
        assert r.status_code == 416 or listens() == before + 1, header
    # all but the first byte, by someone who has not listened: a listen of its own
    boss = panel.client("boss")
    n = listens()
    r = boss.get(f"/calls/{call.id}/recording", headers={"Range": "bytes=1-"})
    assert r.status_code == 206 and len(r.data) == size - 1
    assert listens() == n + 1
    assert boss.get(f"/calls/{call.id}/recording", headers={"Range": "bytes=2-"}).status_code == 206
    assert listens() == n + 1  # its player's next range belongs to that listen


def test_a_call_without_a_caller_number_shows_a_dash_not_none(panel: Panel) -> None:
    """A call whose channel had no caller ID (an existing Asterisk's Originate, an anonymous
    trunk call) showed "None" in the list and on its page."""
    db = panel.db()
    call = make_call(db, disposition="failed", agent=None, number=None)  # type: ignore[arg-type]
    c = panel.client("boss")
    row = re.search(rf'<tr class="call" data-id="{call.id}".*?</tr>', c.get("/calls").get_data(as_text=True), re.S)
    assert row is not None and "None" not in row.group(0) and '<td class="num">—</td>' in row.group(0)
    page = c.get(f"/calls/{call.id}").get_data(as_text=True)
    assert '<dd id="caller-number">—</dd>' in page
