"""Logins and accounts under attack (issue 19): redirects after login, sessions, the login limit,
tokens, the proxy in front."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD, Panel, csrf_of

EVIL_NEXT = [
    "/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "/%5c/evil.example", "/\\/evil.example",
    "//evil.example", "/%20/evil.example", "https://evil.example/", "/%0aSet-Cookie:%20x=1",
]


def _login_to(panel: Panel, next_qs: str) -> tuple[int, str]:
    c = panel.client()
    token = csrf_of(c)
    r = c.post(f"/login?next={next_qs}", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    return r.status_code, r.headers.get("Location", "")


@pytest.mark.parametrize("next_qs", EVIL_NEXT)
def test_login_never_redirects_to_another_host(panel: Panel, next_qs: str) -> None:
    status, location = _login_to(panel, next_qs)
    assert status == 302 and location == "/", (next_qs, status, location)


def test_a_nul_byte_in_next_is_refused_before_login(panel: Panel) -> None:
    assert _login_to(panel, "/%00/evil.example") == (400, "")


def test_login_still_returns_to_a_local_page(panel: Panel) -> None:
    assert _login_to(panel, "/calls%3Fagent%3D8001") == (302, "/calls?agent=8001")
    assert _login_to(panel, "/supervisor")[1] == "/supervisor"
