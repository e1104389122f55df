"""The zh catalogue (web/translations/zh.py), kept by feature in web/translations/catalogue/: each
message is defined in one feature module only, and the compiled source (messages.po) carries them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

from hotline.metrics.definitions import KPIS, METRICS
from web.translations import zh


def test_each_message_has_one_home() -> None:
    counts = Counter(k for feature in zh.FEATURES for k in feature.ENTRIES)
    assert [k for k, n in counts.items() if n > 1] == []
    assert len(zh.ZH) == sum(len(f.ENTRIES) for f in zh.FEATURES)


def test_messages_po_holds_the_catalogue() -> None:
    po = Path(zh.__file__).resolve().parent / "zh" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    in_po = {str(m.id): m.string for m in catalog if m.id}
    # run `.venv/bin/python web/translations/zh.py` after changing a feature's ENTRIES
    assert {k: v for k, v in zh.ZH.items() if in_po.get(k) != v} == {}


def test_metric_labels_come_from_the_metric_catalogue_only() -> None:
    """A metric's or KPI's name is hotline.metrics' label (web.i18n.metric_label), never a second
    Babel message. Three English words of the catalogue name something else: the call table's
    "who hung up first" column and two of the desk's states."""
    other_things = {"Hung up first", "Talking", "After-call work"}
    doubled = [m.key for m in [*METRICS.values(), *KPIS.values()] if m.en in zh.ZH and m.en not in other_things]
    assert doubled == []
    assert all(zh.ZH[en] not in {m.zh for m in METRICS.values()} for en in other_things)
