"""Session fixtures: one real private Asterisk for the whole test session."""

from __future__ import annotations

import shutil
from typing import Iterator

import pytest

from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from tests.support.pbx import pbx_test_settings


@pytest.fixture(scope="session")
def pbx_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return pbx_test_settings(tmp_path_factory.mktemp("pbx"))


@pytest.fixture(scope="session")
def pbx(pbx_settings: Settings) -> Iterator[Asterisk]:
    if not shutil.which("asterisk"):
        pytest.fail("asterisk is not installed: run `make test` (it runs scripts/setup.sh), not bare pytest")
    ast = Asterisk(pbx_settings).start()
    yield ast
    ast.stop()


@pytest.fixture(scope="session")
def built_prompts(pbx_settings: Settings):  # -> prompts.builder.BuildReport
    """Every prompt of prompts/catalogue.toml rendered with espeak-ng into pbx_settings.sounds_dir
    (hotline/<id>.wav, digits/<n>.wav), which the session's Asterisk plays as language zh.
    Independent of `pbx`: tests that play prompts request both."""
    from prompts.builder import build

    report = build(pbx_settings, engine="espeak", progress=None)
    if report.failed:
        pytest.fail(f"building prompts failed: {report.failed}")
    return report
