"""The panel's refusals as pages: a 400, 403, 404 or 405 of a page request is said in the page's
language with the panel's header (the user's menu, a way back), not Werkzeug's bare English page
— a supervisor who opens the technician's /field, an agent following a link to another agent's
call, a form posted after its CSRF token expired. A fault of the panel's own (a 500) is said the
same way, after Flask has logged its traceback; what was saved before it stays saved. The desk's
and the wallboard's controls (JSON callers) get the same refusal in the panel's JSON shape
(``web/refusal.py``), which their scripts show; the API keeps the plain answer: its caller reads
the status."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, InternalServerError, MethodNotAllowed, NotFound

from web.refusal import refuse

PAGE_ERRORS = (BadRequest, Forbidden, NotFound, MethodNotAllowed, InternalServerError)


def init(app: Flask) -> None:
    for exc in PAGE_ERRORS:
        app.register_error_handler(exc, _page)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json or "X-CSRFToken" in request.headers


def _reason(exc: HTTPException) -> str:
    if isinstance(exc, CSRFError):
        return _("This form has expired: reload the page and try again.")
    if isinstance(exc, Forbidden):
        return _("Your role may not see this page.")
    if isinstance(exc, NotFound):
        return _("No such page, or not one you may see.")
    if isinstance(exc, MethodNotAllowed):
        return _("This address does not take that request.")
    if isinstance(exc, InternalServerError):
        return _("The panel failed on this request; what was saved before stays saved. Try again, and "
                 "tell the administrator if it happens again.")
    return _("The request was not understood.")


def _code(exc: HTTPException) -> str:
    if isinstance(exc, CSRFError):
        return "form_expired"
    return {403: "forbidden", 404: "not_found", 405: "method_not_allowed", 500: "server_error"}.get(
        exc.code or 400, "bad_request")


def _page(exc: HTTPException) -> Any:
    if request.path.startswith("/api/"):
        return exc  # the API's callers read the status
    if wants_json():  # the desk's and the wallboard's scripts: the refusal's shape, said in the page's language
        return refuse(exc.code or 400, _code(exc), _reason(exc),
                      detail=None if isinstance(exc, InternalServerError) else exc.description)
    # a refusal that said what was wrong (``abort(400, "format: only csv, …")``) keeps saying it
    # (a 500's description is Werkzeug's English, never the fault's text: that is for the log)
    detail = None if isinstance(exc, (CSRFError, InternalServerError)) or exc.description == type(exc).description \
        else exc.description
    return render_template("error.html", code=exc.code, reason=_reason(exc), detail=detail), exc.code or 400
