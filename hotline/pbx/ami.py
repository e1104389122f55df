"""Sending AMI actions, through the ``asterisk-ami`` client.

``asterisk-ami`` is used for actions only: its reader thread dies after ``timeout`` seconds of
idle traffic and on any exception in a callback, so the listener reads events with its own reader
(ami_listener.reader). Here each ``Ami`` session is short: log in, send, log off.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from enum import StrEnum
from typing import Any, NamedTuple

from asterisk.ami import AMIClient, SimpleAction

from hotline.settings import Settings


class AmiError(RuntimeError):
    pass


class AmiRole(StrEnum):
    """Who logs in to AMI. Each role is its own manager.conf user with only what it sends
    (Asterisk 16 privileges, `manager show command <Action>`), so no service holds a shell:
    ``command`` (any CLI command, ``!`` runs one in a shell) is the admin's alone."""

    LISTENER = "listener"  # the listener, `hotline capture`, test taps, the demo's keying callers (the IVR's
    # HotlineIvr trace): events; Ping, QueueStatus (none), CoreShowChannels (reporting)
    ORIGINATE = "originate"  # the panel, the scheduler, the simulator: Originate (originate)
    ADMIN = "admin"  # the process that runs the private Asterisk: `core waitfullybooted`, `core stop now`
    DESK = "desk"  # the agent desk (hotline/desk/, the panel): queue members (agent), the call's channels
    # (call: Redirect, Setvar, BlindTransfer, Hangup), CoreShowChannels / QueueStatus (reporting), the
    # phrase player and the supervisor's spy (originate); the demo's keying callers' PlayDTMF (call)


class AmiLogin(NamedTuple):
    user: str
    secret: str


# role → (the user-name setting, the secret setting)
_SETTINGS = {
    AmiRole.ORIGINATE: ("ami_user", "ami_secret"),
    AmiRole.LISTENER: ("ami_listener_user", "ami_listener_secret"),
    AmiRole.ADMIN: ("ami_admin_user", "ami_admin_secret"),
    AmiRole.DESK: ("ami_desk_user", "ami_desk_secret"),
}


def ami_login(s: Settings, role: AmiRole) -> AmiLogin:
    """The user and secret ``role`` logs in with. An existing Asterisk configured with ami_user /
    ami_secret only (one user, as before the roles) keeps working: a role without a secret of its
    own then logs in as that user."""
    user_field, secret_field = _SETTINGS[role]
    if role is not AmiRole.ORIGINATE and not getattr(s, secret_field) and s.ami_secret:
        return AmiLogin(s.ami_user, s.secret("ami_secret"))
    return AmiLogin(getattr(s, user_field), s.secret(secret_field))


def _clean(value: Any) -> str:
    """A header value must not carry CR/LF: that would inject headers into the action."""
    text = str(value)
    if "\r" in text or "\n" in text:
        raise AmiError(f"AMI header value contains a line break: {text!r}")
    return text


def _drop(client: AMIClient) -> None:
    """Ends ``client``'s connection at once. Its ``disconnect`` closes the socket and joins the
    reader thread for up to the whole timeout, but on Linux a close does not wake a thread blocked
    in ``recv``: the reader waited for the manager's FIN or the socket's timeout, and the desk
    control whose session it was answered 10 s late (seen under load). A shutdown wakes it."""
    with contextlib.suppress(OSError, AttributeError):
        client._socket.shutdown(socket.SHUT_RDWR)
    client.disconnect()


class Ami:
    """One logged-in AMI session for actions. Use as a context manager."""

    def __init__(self, host: str, port: int, user: str, secret: str, timeout: float = 10.0):
        if not secret:
            raise AmiError(f"AMI user {user!r}: empty secret refused")
        self.host, self.port, self.user, self.secret = host, port, user, secret
        self.timeout = timeout
        self._client: AMIClient | None = None
        self._events: list[dict[str, str]] = []
        self._cond = threading.Condition()

    @classmethod
    def from_settings(cls, s: Settings, timeout: float = 10.0, role: AmiRole = AmiRole.ORIGINATE) -> Ami:
        login = ami_login(s, role)
        return cls(s.ami_host, s.ami_port, login.user, login.secret, timeout)

    def __enter__(self) -> Ami:
        self.login()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def login(self) -> None:
        client = AMIClient(address=self.host, port=self.port, timeout=self.timeout)
        client.add_event_listener(self._on_event)
        try:
            future = client.login(username=self.user, secret=self.secret)
            response = future.response
        except OSError as exc:
            raise AmiError(f"AMI {self.host}:{self.port}: cannot connect: {exc}") from exc
        if response is None:
            _drop(client)
            raise AmiError(f"AMI {self.host}:{self.port}: no answer to Login")
        if response.is_error():
            _drop(client)
            raise AmiError(f"AMI {self.host}:{self.port}: login refused: {response.keys.get('Message')}")
        self._client = client

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.logoff()
            except OSError:
                pass
            _drop(self._client)
            self._client = None

    def _on_event(self, event: Any, source: Any) -> None:
        if "ActionID" not in event.keys:
            return  # only the answers to list actions are wanted; a long session must not pile up events
        with self._cond:
            self._events.append({"Event": event.name, **{k: str(v) for k, v in event.keys.items()}})
            self._cond.notify_all()

    def action(self, name: str, variables: dict[str, Any] | None = None, **fields: Any) -> dict[str, str]:
        """Send one action; return the response's headers or raise AmiError on an error response."""
        if self._client is None:
            raise AmiError("not logged in")
        act = SimpleAction(_clean(name), **{k: _clean(v) for k, v in fields.items()})
        if variables:
            act.variables = {_clean(k): _clean(v) for k, v in variables.items()}
        response = self._client.send_action(act).response
        if response is None:
            raise AmiError(f"AMI action {name}: no response within {self.timeout} s")
        keys = dict(response.keys)
        if response.follows:
            keys["__follows__"] = "\n".join(response.follows)
        if response.is_error():
            raise AmiError(f"AMI action {name}: {keys.get('Message', 'error')}")
        return keys

    def command(self, cli: str) -> str:
        """Run a CLI command; returns its output text."""
        keys = self.action("Command", Command=cli)
        return "\n".join(x for x in (keys.get("Output", ""), keys.get("__follows__", "")) if x)

    def list_action(self, name: str, complete: str, **fields: Any) -> list[dict[str, str]]:
        """An action answered by a list of events ending with ``complete``; returns the events."""
        action_id = f"hl-{time.monotonic_ns()}"
        self.action(name, ActionID=action_id, **fields)
        deadline = time.monotonic() + self.timeout
        with self._cond:
            while True:
                mine = [e for e in self._events if e.get("ActionID") == action_id]
                if any(e["Event"] == complete for e in mine):
                    self._events = [e for e in self._events if e.get("ActionID") != action_id]
                    return [e for e in mine if e["Event"] != complete]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AmiError(f"AMI action {name}: no {complete} within {self.timeout} s")
                self._cond.wait(left)

    def originate(self, channel: str, *, context: str | None = None, exten: str | None = None,
                  priority: int = 1, application: str | None = None, data: str | None = None,
                  callerid: str | None = None, timeout_s: float = 30, variables: dict[str, Any] | None = None,
                  channel_id: str | None = None) -> dict[str, str]:
        fields: dict[str, Any] = {"Channel": channel, "Async": "true", "Timeout": int(timeout_s * 1000)}
        if application:
            fields["Application"] = application
            if data is not None:
                fields["Data"] = data
        else:
            fields.update(Context=context, Exten=exten, Priority=priority)
        if callerid:
            fields["CallerID"] = callerid
        if channel_id:
            fields["ChannelId"] = channel_id
        return self.action("Originate", variables=variables, **fields)
