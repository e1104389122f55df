"""Stored keys shown through the catalogue (issue 19): Jinja marks ``_()``'s result as safe, so a
stored value that is not one of the fixed keys must come out escaped, never as HTML."""

from __future__ import annotations

from datetime import timedelta

from hotline.models.ivr import FaultReport, Outage
from hotline.timeutil import utcnow
from tests.web.conftest import Panel
from tests.web.factory import make_call
from web.i18n import KNOWN_LABELS

# short enough for the 16-character columns it is stored in (PostgreSQL refuses longer values)
EVIL = "<b onclick=x>"
ESCAPED = "&lt;b onclick=x&gt;"


def test_unknown_stored_values_are_escaped_known_ones_translated(panel: Panel) -> None:
    db = panel.db()
    call = make_call(db, agent="8001", disposition=EVIL, attempts=[("8001", 4.0, EVIL)])
    call.hangup_first = EVIL
    known = make_call(db, agent="8001", disposition="abandoned")
    now = utcnow()
    db.add(FaultReport(ticket="F-X", server="pbx1", call_id="c-x", caller="13700000000", area=EVIL,
                       fault_type="no_signal", status=EVIL, created_at=now, updated_at=now,
                       fix_by=now + timedelta(hours=1)))
    db.add(Outage(area="东城", cause=EVIL, started_at=now, created_by="boss"))
    db.commit()
    boss = panel.client("boss")
    pages = [boss.get("/calls").get_data(as_text=True), boss.get(f"/calls/{call.id}").get_data(as_text=True),
             boss.get("/faults").get_data(as_text=True), boss.get("/outages").get_data(as_text=True)]
    for html in pages:
        assert EVIL not in html and ESCAPED in html
    assert "放弃" in boss.get(f"/calls/{known.id}").get_data(as_text=True)  # a known key still translated
    assert {"abandoned", "no_answer", "urban", "power", "supervisor", "complex"} <= KNOWN_LABELS


def test_every_known_key_has_its_chinese() -> None:
    """A key the ``label`` filter translates but the catalogue lacks is shown in English on a
    Chinese page (the technician's role in the header was ``technician``)."""
    from web.translations.zh import ZH

    assert sorted(k for k in KNOWN_LABELS if not ZH.get(k)) == []


def test_a_constant_label_follows_each_page_language(panel: Panel) -> None:
    """Jinja folds a filter over a constant (``{{ 'general'|label }}``) when it compiles the
    template and caches the result: the complaint kinds on /cases/new and /complaints stayed in
    the language of whoever opened the page first since the start (English: ``general`` /
    ``complex`` on every Chinese page after)."""
    english = panel.client("boss")
    english.get("/lang/en")
    for path in ("/cases/new", "/complaints"):
        assert ">general</option>" in english.get(path).get_data(as_text=True)
    chinese = panel.client("boss")
    for path in ("/cases/new", "/complaints"):
        html = chinese.get(path).get_data(as_text=True)
        assert ">一般投诉</option>" in html and ">复杂投诉</option>" in html, path


def test_the_english_page_says_a_key_in_words(panel: Panel) -> None:
    """The English page has no catalogue: a stored key was shown as it is stored (the wallboard's
    escalations said ``task_overdue``). Now in words; text that is not a key stays as stored."""
    db = panel.db()
    missed = make_call(db, agent="8001", disposition="no_answer", attempts=[("8001", 4.0, "no_answer")])
    db.commit()
    english = panel.client("boss")
    english.get("/lang/en")
    assert ">no answer<" in english.get(f"/calls/{missed.id}").get_data(as_text=True)
    board = english.get("/wallboard").get_data(as_text=True)
    assert '"task_overdue": "task overdue"' in board and '"order_late_arrival": "order late arrival"' in board
    from flask import session

    with panel.app.test_request_context():
        session["lang"] = "en"
        from web.i18n import label

        assert label("VIP") == "VIP" and label("no_answer") == "no answer"
