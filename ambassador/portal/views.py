"""Portal home for promoters, the invitation landing page; `/` sends everyone home."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ambassador import i18n
from ambassador.audit import record_action
from ambassador.auth.access import any_user, public, staff
from ambassador.auth.forms import EmptyForm, SetPasswordForm
from ambassador.auth.services import MIN_PASSWORD
from ambassador.auth.sessions import start_session
from ambassador.auth.views import password_already_set
from ambassador.extensions import db, limiter
from ambassador.nps.actions import register_dashboard_action
from ambassador.nps.rules import segment
from ambassador.portal import ignored, invitations, visits
from ambassador.portal.home import home_sections
from ambassador.security import token_in_url, when_form_expired
from ambassador.text import ascii_int
from ambassador.utils import ServiceError

bp = Blueprint("portal", __name__)
# The dashboard button counts people still to invite up to this many ("1000+").
PENDING_CAP = 1000


@bp.record_once
def _dashboard_button(state) -> None:
    visits.install(state.app)
    register_dashboard_action(
        state.app, "portal/_dashboard_action.html",
        lambda: {"pending": invitations.count_uninvited(cap=PENDING_CAP)})


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(current_user.home_endpoint))


@bp.route("/portal")
@any_user
def home():
    customer = current_user.customer
    name = (invitations.first_name(customer) if customer else "") or current_user.display_name
    since = visits.previous_visit(current_user)
    sections = home_sections(current_user, since)
    return render_template(
        "portal/home.html", customer=customer, name=name, welcome=_("Welcome"),
        segment=segment(customer.latest_score)
        if customer and customer.latest_score is not None else None,
        status=customer.status if customer else "none", since=since, sections=sections,
        new_total=sum(context.get("new", 0) for _section, context in sections),
    )


def _dead(token: str, message: str):
    """The 410 page of a used or expired invitation, with the fresh-link button."""
    return render_template("portal/invitation_dead.html", token=token, message=message), 410


def _password_already_set(token: str):
    if not invitations.used_by(token, current_user):
        return None
    return password_already_set(303)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
@public
@token_in_url
@when_form_expired(_password_already_set)
def accept_invitation(token: str):
    i18n.prefer(invitations.link_language(token))  # the invitation was written in it
    if request.method == "POST" and (done := _password_already_set(token)) is not None:
        return done
    try:
        invitation = invitations.check_invitation(token)
    except invitations.InvitationDead as exc:
        return _dead(token, str(exc))
    customer = invitation.customer
    context = {"customer": customer, "name": invitations.first_name(customer),
               "welcome": _("Welcome")}
    existing = invitations.existing_account(customer)
    if existing is not None:
        form = EmptyForm()
        if form.validate_on_submit():
            try:
                invitations.link_existing_account(token)
            except invitations.InvitationDead as exc:
                db.session.rollback()
                return _dead(token, str(exc))
            db.session.commit()
            flash(_("You already have an account: log in with its password, or choose a "
                    "new one with “Forgot your password?”."), "info")
            return redirect(url_for("auth.login")), 303
        return render_template("portal/welcome_existing.html", **context)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(token, form.password.data)
            db.session.commit()
        except invitations.InvitationDead as exc:
            db.session.rollback()
            return _dead(token, str(exc))
        except IntegrityError:  # an account for this email appeared meanwhile
            db.session.rollback()
            return _dead(token, _("This invitation has already been used."))
        except ServiceError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            start_session(user)
            flash(_("Your account is ready. Welcome aboard!"), "success")
            return redirect(url_for("portal.home")), 303
    status = 400 if form.errors else 200
    heading = (_("Welcome, %(name)s", name=context["name"]) if context["name"]
               else context["welcome"])
    return render_template(
        "auth/set_password.html", form=form, heading=heading, email=customer.email,
        intro=_("Thank you for recommending us. Choose a password and your ambassador "
                "space is ready."),
        submit=_("Create my account"), min_password=MIN_PASSWORD), status


@bp.route("/welcome/<token>/renew", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"])
@public
@token_in_url
def renew_invitation(token: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    i18n.prefer(invitations.link_language(token))
    invitations.request_fresh_invitation(token)
    db.session.commit()
    # The same answer whether or not a mail went out: the link holder learns nothing new.
    return render_template("portal/invitation_renewed.html",
                           days=current_app.config["INVITATION_DAYS"])


@bp.route("/dashboard/invitations", methods=["POST"])
@staff
def send_invitations():
    if EmptyForm().validate_on_submit():
        invited = invitations.send_invitations()
        if invited:
            record_action(current_user, "invitations.sent", None, after={"invited": invited})
        db.session.commit()
        if invited:
            flash(ngettext("%(num)d ambassador invited: the invitation is on its way.",
                           "%(num)d ambassadors invited: their invitations are on their way.",
                           invited), "success")
        else:
            flash(_("Nobody to invite: every active ambassador already has an account or an "
                    "open invitation."), "info")
    else:
        flash(_("The page had expired: please press the button again."), "error")
    return redirect(url_for("nps.dashboard")), 303


@bp.route("/dashboard/invitations")
@staff
def ignored_invitations():
    """Ambassadors who let their invitations expire, each with an "invite again" button."""
    page = ascii_int(request.args.get("page"), 1, 100_000) or 1
    people, more = ignored.ignored_invitations(page)
    return render_template("portal/ignored.html", people=people, page=page, more=more,
                           automatic=invitations.AUTOMATIC_INVITATIONS,
                           days=current_app.config["INVITATION_DAYS"])


@bp.route("/dashboard/invitations/<int:customer_id>/again", methods=["POST"])
@staff
def invite_again(customer_id: int):
    """Mail one fresh invitation to a person who ignored theirs (recorded in the audit trail)."""
    if not EmptyForm().validate_on_submit():
        flash(_("The page had expired: please press the button again."), "error")
        return redirect(url_for("portal.ignored_invitations"), code=303)
    try:
        customer = ignored.invite_again(customer_id, current_user)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status_code == 404:
            abort(404)
        flash(str(exc), "error")
        return redirect(url_for("portal.ignored_invitations"), code=303)
    db.session.commit()
    flash(_("A fresh invitation is on its way to %(name)s.", name=customer.display_name),
          "success")
    return redirect(url_for("portal.ignored_invitations"), code=303)
