"""Your account (the language you read the site and mail in) and the footer's language switcher."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from ambassador.auth import services
from ambassador.auth.access import any_user, public
from ambassador.auth.forms import AccountForm
from ambassador.auth.models import ROLE_LABELS
from ambassador.extensions import db
from ambassador.i18n import COOKIE, COOKIE_MAX_AGE, LANGUAGES
from ambassador.urls import is_safe_next
from ambassador.utils import ServiceError

bp = Blueprint("account", __name__)


@bp.app_template_filter("role_label")
def role_label(role: str) -> str:
    """The role as the reader's language names it."""
    return str(ROLE_LABELS.get(role, role))


@bp.route("/account", methods=["GET", "POST"])
@any_user
def account():
    """Show the account and let its owner choose their language."""
    form = AccountForm(language=current_user.language or "")
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            services.set_language(current_user, form.language.data)
        except ServiceError as exc:
            db.session.rollback()
            form.language.errors.append(str(exc))
            status = exc.status_code
        else:
            db.session.commit()
            refresh()  # the message below is already in the new language
            flash(_("Your language is saved."), "success")
            response = redirect(url_for("account.account"), code=303)
            _remember(response, current_user.language)
            return response
    return render_template("auth/account.html", form=form), status


@bp.route("/language", methods=["POST"])
@public
def switch_language():
    """The footer switcher: remember the choice in a cookie (and on the account, if any)."""
    code = (request.form.get("language") or "").strip()
    if code not in LANGUAGES:
        abort(400, _("Choose one of the languages in the list."))
    if current_user.is_authenticated:
        services.set_language(current_user, code)
        db.session.commit()
    target = request.form.get("next")
    response = redirect(target if is_safe_next(target) else url_for("portal.index"), code=303)
    _remember(response, code)
    return response


def _remember(response, code: str | None) -> None:
    """Keep the choice in the browser so pages before login use it too."""
    if code:
        response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    else:
        response.delete_cookie(COOKIE)
