"""The unsubscribe page and the RFC 8058 one-click POST that every bulk mail links to.

`POST /unsubscribe/<token>` is the one view outside the bearer APIs that accepts a POST
with no session and no CSRF token: mail providers send it from their servers when a
reader presses "Unsubscribe" (`List-Unsubscribe=One-Click`). The signed token is its
only authority, and all it can do is stop mail; the GET never changes anything.
"""

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ambassador.extensions import csrf, db
from ambassador.i18n import prefer
from ambassador.mail.budget import is_unsubscribed
from ambassador.mail.unsubscribe import ONE_CLICK, read_token, undo_unsubscribe, unsubscribe
from ambassador.security import cross_site_allowed, token_in_url

bp = Blueprint("unsubscribe", __name__)


def _public(view):
    """Open to everyone (as auth.access.public; the mail layer knows no feature)."""
    view.access = ("public",)
    return view


def _person(token: str) -> tuple[str, str]:
    found = read_token(token)
    if found is None:
        message = _("This unsubscribe link is not valid. Copy the whole address from the "
                    "mail, or reply to the mail and we will take you off the list.")
        abort(make_response(render_template("mail/link_invalid.html", message=message), 404))
    prefer(found[1])
    return found


@bp.route("/unsubscribe/<token>", methods=["GET"])
@token_in_url
@_public
def page(token: str):
    """Show whether this address is unsubscribed, with the button to change it."""
    email, _language = _person(token)
    return render_template("mail/unsubscribe.html", token=token, email=email,
                           unsubscribed=is_unsubscribed(email))


@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt
@cross_site_allowed
@token_in_url
@_public
def one_click(token: str):
    """Unsubscribe: the mail client's one-click POST, or the page's button."""
    email, _language = _person(token)
    unsubscribe(email)
    db.session.commit()
    if request.form.get("List-Unsubscribe") == ONE_CLICK.split("=", 1)[1]:
        return render_template("mail/unsubscribe.html", token=token, email=email,
                               unsubscribed=True)
    return redirect(url_for("unsubscribe.page", token=token, done=1), 303)


@bp.route("/unsubscribe/<token>/undo", methods=["POST"])
@token_in_url
@_public
def undo(token: str):
    """The person changed their mind: mail may reach them again."""
    email, _language = _person(token)
    undo_unsubscribe(email)
    db.session.commit()
    return redirect(url_for("unsubscribe.page", token=token, undone=1), 303)
