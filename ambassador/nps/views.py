"""Marketer pages: dashboard, accounts, import, export."""

from flask import Blueprint, render_template

from ambassador.auth.access import staff

bp = Blueprint("nps", __name__)


@bp.route("/dashboard")
@staff
def dashboard():
    return render_template("nps/dashboard.html")


@bp.route("/dashboard/accounts")
@staff
def accounts():
    return render_template("nps/dashboard.html")
