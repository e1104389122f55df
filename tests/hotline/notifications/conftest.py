"""Notification fixtures: a migrated database (tests/hotline/callbacks'), settings, and one private Kannel
(tests/support/kannel.py) for the whole session, started on first use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.settings import Settings, load
from tests.hotline.callbacks.conftest import db, sessions
from tests.support.kannel import PASSWORD, USERNAME, PrivateKannel

__all__ = ["db", "kannel", "sessions", "settings"]


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load(config_file=None, env={}, runtime_dir=tmp_path, server_id="test", database_url=db_url,
                sms_retry_base_s=30, sms_retry_max_s=600, sms_max_attempts=3)


@pytest.fixture(scope="session")
def kannel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateKannel]:
    k = PrivateKannel(tmp_path_factory.mktemp("kannel")).start()
    yield k
    k.stop()


def kannel_settings(s: Settings, k: PrivateKannel, dlr_url: str = "") -> Settings:
    return s.replace(sms_provider="kannel", kannel_sendsms_url=k.sendsms_url, kannel_username=USERNAME,
                     kannel_password=PASSWORD, sms_dlr_url=dlr_url, sms_sender_id="10000")
