"""The SMS texts (zh), as configuration: ``templates.toml`` beside this module, overridden key by
key by the TOML file named in ``sms_templates_file``."""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from hotline.settings import Settings, SettingsError

BUILT_IN = Path(__file__).with_name("templates.toml")


class Template(StrEnum):
    REPAIR_RECEIPT = "repair_receipt"  # R-FAULT-SLA: ticket and promised times
    DISPATCH = "dispatch"  # R-FAULT-DISPATCH: to the technician
    COMPLAINT_RECEIPT = "complaint_receipt"  # R-COMPLAINT: acceptance time and feedback deadline
    CALLBACK_MISSED = "callback_missed"  # "we tried to call you back"
    SERVICE_RESTORED = "service_restored"  # R-FAULT-OUTAGE: after an outage closes
    CONSULT_ANSWER = "consult_answer"  # R-CONSULT-24H: a consultation answered by SMS (issue 14)


def templates(s: Settings) -> dict[str, str]:
    table = tomllib.loads(BUILT_IN.read_text(encoding="utf-8"))
    if s.sms_templates_file:
        path = Path(s.sms_templates_file)
        try:
            extra = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"sms_templates_file {path}: {exc}") from exc
        unknown = set(extra) - {t.value for t in Template}
        if unknown:
            raise SettingsError(f"sms_templates_file {path}: unknown templates {sorted(unknown)}")
        table.update(extra)
    return {str(k): str(v) for k, v in table.items()}


def render(s: Settings, template: Template, fields: dict[str, Any]) -> str:
    """The text of ``template`` with ``fields`` (and {company}, {hotline}) filled in; a missing
    field is an error, not a message with a hole in it."""
    values = {"company": s.company_name, "hotline": s.hotline_number, **fields}
    try:
        return templates(s)[template.value].format_map(values)
    except KeyError as exc:
        raise ValueError(f"SMS template {template.value}: no value for {exc}") from exc
