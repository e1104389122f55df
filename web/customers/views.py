"""Customer pages: list / search, the edit form, CSV import and export (supervisors)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from hotline import customers
from hotline.callbacks.numbers import read_number
from hotline.models.cases import CustomerNumber
from hotline.models.ivr import AREAS, Customer
from web.auth.access import roles
from web.context import db, settings
from web.reasons import reason

bp = Blueprint("customers", __name__)
LIMIT = 200
TEXT_MAX = 500


@bp.get("/customers")
@roles("agent", "supervisor")
def index() -> Any:
    """Customers by number (any form, or an ending) or name; the newest first without a query."""
    q = (request.args.get("q") or "").strip()[:64]
    query = select(Customer)
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        s = settings()
        num = read_number(s, q) if digits else None
        by_number = select(CustomerNumber.customer_id).where(
            or_(CustomerNumber.number == (num.e164 if num else q), CustomerNumber.number.like(f"%{digits}")
                if digits else CustomerNumber.number == q))
        query = query.where(or_(Customer.id.in_(by_number), Customer.name.contains(q), Customer.phone == q))
    rows = list(db().scalars(query.order_by(Customer.id.desc()).limit(LIMIT)))
    return render_template("customers/index.html", rows=rows, q=q,
                           numbers={c.id: customers.numbers_of(db(), c) for c in rows})


def _fields(form: Any) -> customers.CustomerFields:
    def text(key: str) -> str | None:
        return (form.get(key) or "").strip()[:TEXT_MAX] or None
    raw = (form.get("numbers") or "").replace(";", " ").replace(",", " ").split()
    return customers.CustomerFields(numbers=raw, name=text("name"), address=text("address"),
                                    district=text("district"), area_type=text("area_type"),
                                    vip=form.get("vip") in ("1", "on"), account=text("account"))


def _form(customer: Customer | None, values: dict[str, Any], status: int = 200) -> Any:
    return render_template("customers/form.html", customer=customer, v=values, areas=AREAS,
                           districts=settings().districts), status


def _values(c: Customer | None) -> dict[str, Any]:
    if c is None:
        return {"numbers": request.args.get("number", "")[:32]}
    return {"numbers": " ".join(customers.numbers_of(db(), c) or [c.phone]), "name": c.name, "address": c.address,
            "district": c.district, "area_type": c.area_type, "vip": c.vip, "account": c.account}


@bp.get("/customers/new")
@bp.get("/customers/<int:customer_id>")
@roles("agent", "supervisor")
def edit(customer_id: int | None = None) -> Any:
    c = None if customer_id is None else db().get(Customer, customer_id)
    if customer_id is not None and c is None:
        abort(404)
    return _form(c, _values(c))


@bp.post("/customers/new")
@bp.post("/customers/<int:customer_id>")
@roles("agent", "supervisor")
def save(customer_id: int | None = None) -> Any:
    if customer_id is not None and db().get(Customer, customer_id) is None:
        abort(404)
    try:
        c = customers.save_customer(db(), settings(), _fields(request.form), customer_id)
        db().commit()
    except customers.CustomerError as exc:
        db().rollback()
        flash(_("Customer not saved: %(reason)s", reason=reason(exc)), "error")
        values: dict[str, Any] = {k: request.form.get(k) for k in ("numbers", "name", "address", "district",
                                                                   "area_type", "account")}
        values["vip"] = request.form.get("vip") in ("1", "on")
        return _form(None if customer_id is None else db().get(Customer, customer_id), values, 400)
    flash(_("Customer %(id)s saved.", id=c.id), "ok")
    return redirect(url_for("customers.edit", customer_id=c.id), 303)


@bp.get("/customers/import")
@roles("supervisor")
def import_page() -> Any:
    return render_template("customers/import.html", report=None)


@bp.post("/customers/import")
@roles("supervisor")
def import_file() -> Any:
    """All or nothing: one bad row (reported with its line number) and nothing is imported."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file."), "error")
        return render_template("customers/import.html", report=None), 400
    report = customers.import_csv(db(), settings(), upload.read())
    if report.ok:
        db().commit()
        flash(_("Imported: %(created)s new, %(updated)s updated.", created=report.created, updated=report.updated),
              "ok")
        return render_template("customers/import.html", report=report, reason=reason)
    db().rollback()
    flash(_("Nothing imported: fix the rows below and upload the file again."), "error")
    return render_template("customers/import.html", report=report, reason=reason), 400


@bp.get("/customers/export")
@roles("supervisor")
def export() -> Any:
    return Response(customers.export_csv(db()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="customers.csv"'})
