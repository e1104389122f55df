"""The technician calls the customer through the hotline: one Originate that rings the technician's
phone first (showing the hotline number), then dials the customer from ``hotline-callback`` (the
hotline's caller id); numbers outside the dialling policy are refused; every call is in the
order's history, an AMI failure too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline import field
from hotline.chanvars import ChanVar
from hotline.field import FieldError
from hotline.pbx.ami import AmiError
from hotline.settings import Settings
from tests.hotline.field.conftest import local, report, tech

T0 = local(2026, 12, 7, 10, 0)


class RecordingAmi:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = fail

    def originate(self, channel: str, **kw: Any) -> dict[str, str]:
        if self.fail:
            raise AmiError("Originate failed")
        self.calls.append({"channel": channel, **kw})
        return {"Response": "Success"}


def test_technician_first_then_the_customer_with_the_hotline_number(db: Session, settings: Settings) -> None:
    wang = tech(db, settings, "wang", ["东城"])
    order = field.on_report_confirmed(db, settings, report(db, T0, caller="13800000009").id, T0, district="东城")
    field.accept(db, order.id, "wang", T0)
    ami = RecordingAmi()
    call = field.call_customer(db, settings, order.id, "wang", T0 + timedelta(minutes=1), ami=ami)  # type: ignore[arg-type]
    (sent,) = ami.calls
    assert sent["channel"] == settings.outbound_dial.format(number=wang.phone.removeprefix("+86"))
    assert (sent["context"], sent["exten"]) == ("hotline-callback", "13800000009")
    assert f"<{settings.hotline_number}>" in sent["callerid"] and sent["channel_id"] == call.call_id
    assert sent["variables"][ChanVar.ORDER_ID] == str(order.id)
    assert sent["variables"][ChanVar.TECHNICIAN] == "wang" and ChanVar.AGENT not in sent["variables"]
    assert field.history(db, order.id)[-1].action == "call"


def test_refused_outside_the_policy_or_not_the_technicians(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    tech(db, settings, "li", ["东城"])
    order = field.on_report_confirmed(db, settings, report(db, T0, caller="+85291234567").id, T0, district="东城")
    owner = "wang" if order.technician_id == field.technician(db, "wang").id else "li"
    other = "li" if owner == "wang" else "wang"
    with pytest.raises(FieldError, match=r"not (li|wang)'s"):
        field.call_customer(db, settings, order.id, other, T0, ami=RecordingAmi())  # type: ignore[arg-type]
    with pytest.raises(FieldError, match="dialling policy"):  # toll fraud: abroad is not dialled
        field.call_customer(db, settings, order.id, owner, T0, ami=RecordingAmi())  # type: ignore[arg-type]


def test_an_ami_failure_is_in_the_history(db: Session, settings: Settings) -> None:
    tech(db, settings, "wang", ["东城"])
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    with pytest.raises(FieldError, match="could not call"):
        field.call_customer(db, settings, order.id, "wang", T0, ami=RecordingAmi(fail=True))  # type: ignore[arg-type]
    assert [e.action for e in field.history(db, order.id)][-2:] == ["call", "call_failed"]


def test_one_call_at_a_time_until_it_failed_or_its_record_is_overdue(db: Session, settings: Settings) -> None:
    """A second call while the first has no call record is refused (4 clicks made 4 originates); a
    call the PBX refused, or one with no record after callback_reconcile_timeout_min (the callbacks'
    bound: hotline.rules.call_record_overdue), no longer holds the next one back."""
    tech(db, settings, "wang", ["东城"])
    order = field.on_report_confirmed(db, settings, report(db, T0).id, T0, district="东城")
    with pytest.raises(FieldError, match="could not call"):
        field.call_customer(db, settings, order.id, "wang", T0, ami=RecordingAmi(fail=True))  # type: ignore[arg-type]
    ami = RecordingAmi()
    field.call_customer(db, settings, order.id, "wang", T0 + timedelta(minutes=1), ami=ami)  # type: ignore[arg-type]
    with pytest.raises(FieldError, match="still under way"):
        field.call_customer(db, settings, order.id, "wang", T0 + timedelta(minutes=2), ami=ami)  # type: ignore[arg-type]
    later = T0 + timedelta(minutes=1 + settings.callback_reconcile_timeout_min)
    field.call_customer(db, settings, order.id, "wang", later, ami=ami)  # type: ignore[arg-type]
    assert len(ami.calls) == 2
