"""Privacy pages: your data as JSON, deleting your account, marketers' customer pages."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import ambassador.privacy.erasure  # noqa: F401  (registers the erasure steps)
import ambassador.privacy.sections  # noqa: F401  (registers the data sections)
from ambassador.audit import record_export
from ambassador.auth import sessions
from ambassador.auth.access import any_user, roles, staff
from ambassador.extensions import db
from ambassador.privacy import services
from ambassador.privacy.forms import DeleteAccountForm, EraseCustomerForm
from ambassador.text import ascii_int
from ambassador.utils import ServiceError

bp = Blueprint("privacy", __name__)


def _json_download(body: str, filename: str) -> Response:
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


@bp.route("/account/data.json")
@any_user
def my_data():
    """Download everything we hold about you, as one JSON file."""
    return _json_download(services.data_json(services.subject_of_user(current_user)),
                          "ambassador-my-data.json")


@bp.route("/account/delete", methods=["GET", "POST"])
@roles("promoter")
def delete_account():
    """Delete your account and your personal data, after typing your password."""
    form = DeleteAccountForm()
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            services.delete_own_account(current_user, form.password.data)
        except ServiceError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
            status = exc.status_code
        else:
            db.session.commit()
            sessions.end_session()
            flash(_("Your account and your personal data are deleted. Thank you for having "
                    "been one of our ambassadors."), "success")
            return redirect(url_for("auth.login"), code=303)
    return render_template("privacy/delete.html", form=form), status


@bp.route("/dashboard/customers")
@staff
def customers():
    """Find a customer by email or name, to download or erase their data on request."""
    query = request.args.get("q", "")[:200]
    page = ascii_int(request.args.get("page"), 1, 1_000_000) or 1
    return render_template("privacy/customers.html", q=query,
                           pagination=services.search_customers(query, page))


@bp.route("/dashboard/customers/<int:customer_id>")
@staff
def customer(customer_id: int):
    """One customer: what we hold, and the download and erase buttons."""
    record = services.get_customer(customer_id)
    subject = services.subject_of_customer(record)
    return render_template("privacy/customer.html", customer=record, account=subject.user,
                           form=EraseCustomerForm())


@bp.route("/dashboard/customers/<int:customer_id>/data.json")
@staff
def customer_data(customer_id: int):
    """The customer's data as the JSON file they asked for (the download is audited)."""
    record = services.get_customer(customer_id)
    body = services.data_json(services.subject_of_customer(record))
    record_export(current_user, "customer_data", {"customer_id": record.id})
    db.session.commit()
    return _json_download(body, f"ambassador-customer-{record.id}.json")


@bp.route("/dashboard/customers/<int:customer_id>/erase", methods=["POST"])
@staff
def erase_customer(customer_id: int):
    """Erase a customer's personal data on their request (typed confirmation; audited)."""
    record = services.get_customer(customer_id)
    form = EraseCustomerForm()
    if not form.validate_on_submit():
        flash(_("Nothing was erased: type the customer's email address to confirm."), "error")
        return redirect(url_for("privacy.customer", customer_id=customer_id), code=303)
    try:
        services.erase_customer(record, current_user, form.confirmation.data)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("privacy.customer", customer_id=customer_id), code=303)
    db.session.commit()
    flash(_("The customer's personal data is erased; their scores stay, anonymous."),
          "success")
    return redirect(url_for("privacy.customer", customer_id=customer_id), code=303)
