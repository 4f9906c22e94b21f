"""Import pages: upload, preview and mapping, result."""

from flask import Blueprint, render_template

from ambassador.auth.access import staff

bp = Blueprint("imports", __name__, url_prefix="/import")


@bp.route("/")
@staff
def upload():
    return render_template("nps/dashboard.html")
