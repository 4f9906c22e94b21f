"""Referral pages: the ambassador's "Invite friends" page and the friend's landing page /r/CODE."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ambassador.auth.access import any_user, public, roles
from ambassador.auth.forms import EmptyForm
from ambassador.extensions import db, limiter
from ambassador.mail.services import queue_mail
from ambassador.referrals import invites, privacy, rewards, services, stats  # noqa: F401 (privacy registers)
from ambassador.referrals.forms import InviteForm, SelectChoice, SignUpForm
from ambassador.referrals.sharing import qr_svg, share_links
from ambassador.sanitize import render_markdown
from ambassador.text import ascii_int
from ambassador.urls import absolute_url
from ambassador.utils import ServiceError

bp = Blueprint("referrals", __name__)

SESSION_KEY = "referral_signed_up"
promoter_only = roles("promoter")


def _signup_limit() -> str:
    return current_app.config["RATELIMIT_REFERRAL_SIGNUP"]


def _invite_limit() -> str:
    return current_app.config["RATELIMIT_REFERRAL_INVITE"]


def _user_key() -> str:
    return f"referral-invite:{getattr(current_user, 'id', request.remote_addr)}"


# -- the ambassador ------------------------------------------------------------------------


def _invite_page(form: InviteForm | None = None, status: int = 200):
    link = services.link_for(current_user)
    offers = services.shareable_offers()
    form = form or InviteForm()
    form.offer_id.choices = [SelectChoice(str(o.id), o.title) for o in offers]
    shared = []
    if link is not None:
        base = absolute_url("referrals.landing", code=link.code)
        text = _("I recommend them: here is an offer for you.")
        subject = _("An offer for you, from %(name)s", name=services.first_name(current_user))
        shared = [(None, base, share_links(base, text, subject))] + [
            (offer, url, share_links(url, text, subject)) for offer in offers
            for url in [absolute_url("referrals.landing", code=link.code, offer=offer.id)]]
    return render_template(
        "referrals/index.html", link=link, shared=shared, form=form,
        refusal=services.link_refusal(current_user),
        qr=qr_svg(shared[0][1], _("QR code of your referral link")) if shared else None,
        figures=stats.ambassador_figures(current_user),
        balances=rewards.balances(current_user.id), fmt=rewards.format_amount,
        earning=services.earns_rewards(current_user), button=EmptyForm()), status


@bp.route("/referrals")
@any_user
def index():
    """Invite friends: the personal link, share buttons, QR code, mail invitations, results."""
    if current_user.is_staff:
        return redirect(url_for("referrals_admin.dashboard"))
    return _invite_page()


@bp.route("/referrals/link", methods=["POST"])
@promoter_only
def create_link():
    """Make the ambassador's personal link (once; pressing again shows the same link)."""
    if not EmptyForm().validate_on_submit():
        flash(_("The page had expired: please press the button again."), "error")
        return redirect(url_for("referrals.index"), code=303)
    try:
        services.ensure_link(current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("referrals.index"), code=303)
    db.session.commit()
    return redirect(url_for("referrals.index"), code=303)


@bp.route("/referrals/invite", methods=["POST"])
@promoter_only
@limiter.limit(_invite_limit, key_func=_user_key)
def invite():
    """Mail up to 10 friends an invitation to an offer (each friend once per offer)."""
    form = InviteForm()
    form.offer_id.choices = [SelectChoice(str(o.id), o.title)
                             for o in services.shareable_offers()]
    if not form.validate_on_submit():
        return _invite_page(form, 400)
    try:
        report = invites.invite_friends(current_user, ascii_int(form.offer_id.data, 1),
                                        form.addresses.data, form.message.data)
    except ServiceError as exc:
        db.session.rollback()
        form.addresses.errors = [*form.addresses.errors, str(exc)]
        return _invite_page(form, exc.status_code)
    db.session.commit()
    for category, line in invites.summary(report):
        flash(line, category)
    return redirect(url_for("referrals.index"), code=303)


# -- the friend ----------------------------------------------------------------------------


def _landing(link, form: SignUpForm | None = None, status: int = 200, error: str | None = None):
    offer = services.landing_offer(ascii_int(request.args.get("offer"), 1)
                                   if form is None else form.offer())
    form = form or SignUpForm(formdata=None)
    if offer is not None:
        form.offer_id.data = str(offer.id)
    return render_template(
        "referrals/landing.html", link=link, offer=offer, form=form, error=error,
        name=services.first_name(link.user),
        description_html=render_markdown(offer.description) if offer else "",
        terms_html=render_markdown(offer.terms) if offer else ""), status


def _closed(exc: ServiceError):
    return render_template("referrals/closed.html", message=str(exc)), exc.status_code


@bp.route("/r/<code>")
@public
def landing(code: str):
    """The friend's landing page: who invites them, the offer, and the sign-up form."""
    try:
        link = services.find_link(code)
    except ServiceError as exc:
        return _closed(exc)
    return _landing(link)


@bp.route("/r/<code>", methods=["POST"])
@public
@limiter.limit(_signup_limit)
def sign_up(code: str):
    """Sign a friend up: the referral is recorded and their offer code shown and mailed."""
    try:
        link = services.find_link(code)
    except ServiceError as exc:
        return _closed(exc)
    form = SignUpForm()
    if not form.validate_on_submit():
        return _landing(link, form, 400)
    language = str(get_locale() or "en")
    try:
        result = services.sign_up(link, {"name": form.name.data, "email": form.email.data,
                                         "consent": form.consent.data,
                                         "offer_id": form.offer()},
                                  request.remote_addr, language)
    except services.DuplicateFriend as exc:
        db.session.rollback()
        return _landing(link, form, exc.status_code, str(exc))
    except ServiceError as exc:
        db.session.rollback()
        return _landing(link, form, exc.status_code, str(exc))
    referral = result.referral
    if referral.offer is not None and referral.status != "ineligible":
        queue_mail(referral.friend_email, "referral_welcome",
                   _("Your offer: %(title)s", title=referral.offer.title), locale=language,
                   name=referral.friend_name, offer=referral.offer, code=result.code,
                   ambassador=services.first_name(link.user),
                   url=absolute_url("referrals.landing", code=link.code))
    db.session.commit()
    session[SESSION_KEY] = referral.id
    return redirect(url_for("referrals.thanks", code=link.code), code=303)


@bp.route("/r/<code>/thanks")
@public
def thanks(code: str):
    """After signing up: the friend's offer code (when the offer has one), shown once more."""
    try:
        link = services.find_link(code)
    except ServiceError as exc:
        return _closed(exc)
    referral_id = session.get(SESSION_KEY)
    referral = db.session.get(services.Referral, referral_id) if referral_id else None
    if referral is None or referral.link_id != link.id:
        return redirect(url_for("referrals.landing", code=link.code))
    return render_template("referrals/thanks.html", referral=referral,
                           name=services.first_name(link.user))


@bp.route("/r/<code>/visit", methods=["POST"])
@public
@limiter.limit(_signup_limit)
def visit(code: str):
    """Count a visit of the landing page (its script sends this once; bots that run none do not)."""
    try:
        link = services.find_link(code)
    except ServiceError:
        return "", 404
    if not EmptyForm().validate_on_submit():
        return "", 400
    services.record_visit(link, ascii_int(request.form.get("offer"), 1), request.remote_addr)
    db.session.commit()
    return "", 204

