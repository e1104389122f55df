"""Source of the Simplified Chinese catalogue: ``python web/translations/zh.py`` rewrites
zh/LC_MESSAGES/messages.po from the messages found in web/ (pybabel extract) and this table, and
lists messages without a translation. The app compiles the .po at start.

The table is kept by feature in ``web/translations/catalogue/<feature>.py`` (each an ``ENTRIES``
dict); ``ZH`` is their union. A new message goes into its feature's module."""

import sys
from pathlib import Path

if __name__ == "__main__":  # run as a script: put the repository root on the path for the import below
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from web.translations.catalogue import (
    agent,
    agent_time,
    callbacks,
    calls,
    cases,
    desk,
    faults,
    field,
    layout,
    metrics,
    pbx_presence,
    prompts,
    qa_sample,
    service_settings,
    softphone,
    wallboard,
)

FEATURES = (layout, calls, agent, metrics, faults, callbacks, wallboard, cases, softphone, field, prompts,
            service_settings, agent_time, desk, qa_sample, pbx_presence)

ZH: dict[str, str] = {}
for _feature in FEATURES:
    ZH.update(_feature.ENTRIES)

if __name__ == "__main__":
    import subprocess
    import tempfile

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    here = Path(__file__).resolve().parent
    web = here.parent
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "babel.cfg"
        cfg.write_text("[python: **.py]\n[jinja2: **/templates/**.html]\n")
        pot = Path(tmp) / "messages.pot"
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(cfg),
                        "-o", str(pot), str(web), str(web.parent / "hotline")],  # hotline: N_ templates
                       check=True, capture_output=True)
        with pot.open("rb") as fh:
            template = read_po(fh)
    cat = Catalog(locale="zh_Hans_CN", project="hotline", charset="utf-8")
    missing = []
    # the panel has no plural messages: every id is a plain string
    ids = [str(m.id) for m in template if m.id] + [k for k in ZH if k not in {m.id for m in template}]
    for mid in ids:
        if mid not in ZH:
            missing.append(mid)
        cat.add(mid, ZH.get(mid, ""))
    out = here / "zh" / "LC_MESSAGES" / "messages.po"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        write_po(fh, cat, omit_header=False, sort_output=True, width=0)
    print(f"wrote {out}; untranslated: {missing}")
