"""`hotline run`'s demo SMS: a private Kannel (bearerbox + smsbox, fakesmsc as the phones) started,
supervised and stopped with the rest, the services' sender pointed at it — or, without Kannel
installed, the outbox left plainly queued with one start-up line that says why."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from hotline.db import open_db
from hotline.models.notifications import OutboxMessage
from hotline.notifications import Template, queue_sms
from hotline.settings import Settings
from hotline.timeutil import utcnow
from tests.hotline.test_run import Run
from tests.support.pbx import pbx_test_settings
from tests.support.processes import children


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return pbx_test_settings(tmp_path / "var")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.asterisk
@pytest.mark.skipif(not Path("/usr/lib/kannel/test/fakesmsc").exists(), reason="kannel-extras not installed")
def test_a_demo_sms_reaches_the_phones_and_is_reported_delivered(settings: Settings, built_prompts: object,
                                                                 pbx_settings: Settings) -> None:
    s = settings
    shutil.copytree(pbx_settings.sounds_dir, s.sounds_dir)  # the session's prompts: `hotline run` finds them built
    run = Run(s, "--demo-calls", "0", HOTLINE_SMS_SEND_INTERVAL_S="1")
    try:
        run.wait_for("hotline is running", timeout=300)
        # printed after the "running" block, by later print calls: read it when it comes, not at once
        run.wait_for("sms        demo: a private Kannel", timeout=30)
        kannel = {name: pid for pid, cmd in children(run.proc.pid).items()
                  for name in ("bearerbox", "smsbox", "fakesmsc") if name in cmd}
        assert set(kannel) == {"bearerbox", "smsbox", "fakesmsc"}, children(run.proc.pid)
        engine, sessions = open_db(s)
        try:
            with sessions() as db:
                msg = queue_sms(db, s, "13800000077", Template.CALLBACK_MISSED, {}, utcnow())
                db.commit()
                assert msg is not None and msg.status == "queued"
                msg_id = msg.id
            phones, deadline, status = s.log_dir / "sms-phones.log", time.monotonic() + 60, ""
            while time.monotonic() < deadline:
                with sessions() as db:
                    got = db.get(OutboxMessage, msg_id)
                    assert got is not None
                    status = got.status
                if status == "delivered" and "13800000077" in phones.read_text(errors="replace"):
                    break
                time.sleep(0.5)
        finally:
            engine.dispose()
        assert status == "delivered", (status, got.last_error, (s.log_dir / "scheduler.log").read_text()[-2000:])
        assert "Got message" in phones.read_text(errors="replace")
    finally:
        run.stop()
        if run.proc.poll() is None:
            run.proc.kill()
    assert not [name for name, pid in kannel.items() if _alive(pid)], "Kannel outlived the run"


def test_without_kannel_the_demo_says_so_once_and_its_sms_stay_queued(settings: Settings,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.notifications import demo_gateway
    from hotline.run import demo_sms

    monkeypatch.setattr(demo_gateway, "missing", lambda: ["/usr/sbin/bearerbox"])
    env: dict[str, str] = {}
    demo, gateway, line = demo_sms(settings, env)
    assert gateway is None and demo.sms_provider == "none" and env == {"HOTLINE_SMS_PROVIDER": "none"}
    assert line is not None and "Kannel is not installed" in line and "scripts/setup.sh" in line

    env = {}
    own = settings.replace(kannel_sendsms_url="http://gateway.example:13013/cgi-bin/sendsms")
    assert demo_sms(own, env) == (own, None, None) and env == {}


def test_the_demo_gateway_config_is_private_with_its_own_ports(settings: Settings) -> None:
    from hotline.notifications.demo_gateway import DemoGateway

    gateway = DemoGateway.for_run(settings)
    gateway.write_config(settings)
    text = gateway.conf.read_text()
    assert gateway.conf.stat().st_mode & 0o077 == 0
    assert f"admin-password = {gateway.admin_password}" in text
    assert f"password = {settings.secret('kannel_password')}" in text
    ports = {gateway.admin_port, gateway.box_port, gateway.smsc_port, gateway.sendsms_port}
    assert len(ports) == 4 and 13013 not in ports
