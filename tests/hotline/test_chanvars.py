"""The channel-variable names are spelled once in Python (hotline.chanvars); the dialplan uses no
name that module does not know, and the vocabulary's values are the strings stored today."""

import re

from hotline.chanvars import ChanVar
from hotline.settings import ROOT
from hotline.vocabulary import Disposition, HangupParty


def test_every_dialplan_variable_is_a_chanvar() -> None:
    text = (ROOT / "asterisk" / "extensions.conf").read_text()
    used = set(re.findall(r"HOTLINE_[A-Z_]+", text))
    assert used, "the dialplan sets HOTLINE_* variables"
    assert used <= {v.value for v in ChanVar}, used - {v.value for v in ChanVar}


def test_enums_compare_as_stored_strings() -> None:
    assert Disposition.ANSWERED == "answered" and f"{HangupParty.AGENT}" == "agent"
    assert Disposition("timeout") is Disposition.TIMEOUT
