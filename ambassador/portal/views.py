"""Portal home for promoters; `/` sends everyone to their own start page."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ambassador.auth.access import any_user, public

bp = Blueprint("portal", __name__)


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_staff:
        return redirect(url_for("nps.dashboard"))
    return redirect(url_for("portal.home"))


@bp.route("/portal")
@any_user
def home():
    return render_template("portal/home.html", customer=current_user.customer)
