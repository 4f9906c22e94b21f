"""Offer pages: promoters browse and claim; marketers create, stock and follow offers."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from ambassador.audit.services import record_action, record_export
from ambassador.auth.access import any_user, staff
from ambassador.auth.forms import EmptyForm
from ambassador.csvfile import csv_download
from ambassador.extensions import db
from ambassador.offers import codes, services
from ambassador.offers.forms import AddCodesForm, OfferForm
from ambassador.portal.home import register_home_section
from ambassador.sanitize import plain_text, render_markdown
from ambassador.utils import NotFound, ServiceError, utcnow

bp = Blueprint("offers", __name__)

REDEMPTIONS_SHOWN = 100
HOME_SHOWN = 3


def _home_section(user, since) -> dict | None:
    """The portal home's "offers you haven't claimed yet" block, for active ambassadors."""
    offers = services.unclaimed_for(user, limit=None)
    if not offers:
        return None
    new = [o for o in offers if since is None or max(o.starts_at, o.created_at) > since]
    return {"offers": offers[:HOME_SHOWN], "more": len(offers) - HOME_SHOWN,
            "new": len(new), "new_ids": {o.id for o in new}}


@bp.record_once
def _register(state) -> None:
    register_home_section(state.app, "offers", "offers/_home.html", _home_section, order=20)


# -- promoters ---------------------------------------------------------------------------


@bp.route("/offers")
@any_user
def index():
    """The offers open to ambassadors, the upcoming ones, and the codes they claimed."""
    return render_template("offers/index.html",
                           offers=services.promoter_offers(current_user),
                           refusal=services.claim_refusal(current_user),
                           availability=services.availability, excerpt=_excerpt)


def _excerpt(text: str) -> str:
    return plain_text(text, 180)


def _offer_page(offer, status: int = 200, error: str | None = None):
    redemption = services.redemption_for(offer.id, current_user.id)
    return render_template(
        "offers/detail.html", offer=offer, redemption=redemption, error=error,
        description_html=render_markdown(offer.description),
        terms_html=render_markdown(offer.terms),
        state=services.availability(offer), message=services.unavailable_message,
        refusal=services.claim_refusal(current_user), form=EmptyForm()), status


@bp.route("/offers/<int:offer_id>")
@any_user
def detail(offer_id: int):
    """One offer: what it is, its terms, and the claim button or the code already claimed."""
    return _offer_page(services.get_offer(offer_id))


@bp.route("/offers/<int:offer_id>/claim", methods=["POST"])
@any_user
def claim(offer_id: int):
    """Claim the offer (a POST from its page); claiming again shows the same code."""
    offer = services.get_offer(offer_id)
    if not EmptyForm().validate_on_submit():
        return _offer_page(offer, 400, _("The page had expired: please press the button again."))
    result = None
    for _attempt in range(3):
        try:
            result = services.claim(offer_id, current_user)
            db.session.commit()
            break
        except IntegrityError:  # a second click of the same person got there first
            db.session.rollback()
            existing = services.redemption_for(offer_id, current_user.id)
            if existing is not None:
                result = services.Claim(existing, created=False)
                break
        except NotFound:
            raise
        except ServiceError as exc:
            db.session.rollback()
            return _offer_page(services.get_offer(offer_id), exc.status_code, str(exc))
    if result is None:
        return _offer_page(offer, 409, _("So many people claimed at once that yours did not "
                                         "go through: please press the button again."))
    if result.created:
        flash(_("Here is your code. It stays on this page whenever you come back."),
              "success")
    return redirect(url_for("offers.detail", offer_id=offer_id), code=303)


# -- marketers ---------------------------------------------------------------------------


@bp.route("/dashboard/offers")
@staff
def manage():
    """Every offer with its claims, what is left, and a warning when a pool runs low."""
    return render_template("offers/manage.html", offers=services.staff_offers(),
                           availability=services.availability, low=services.pool_is_low)


def _codes_from(form) -> list | None:
    """The (line, text) source of a form's pasted codes or uploaded file, or None."""
    upload = form.codes_file.data
    if upload is not None and getattr(upload, "filename", ""):
        return codes.lines_of_file(upload.stream)
    if (form.codes.data or "").strip():
        return codes.lines_of_text(form.codes.data)
    return None


def _report_codes(report: codes.CodeReport) -> None:
    """Tell the marketer what adding codes did, with the first duplicate/rejected lines."""
    flash(ngettext("%(num)s code added.", "%(num)s codes added.", report.added), "success")
    if report.duplicates:
        lines = ", ".join(f"{line} ({code})" for line, code in report.duplicate_lines)
        flash(ngettext("%(num)s duplicate code was skipped (line %(lines)s).",
                       "%(num)s duplicate codes were skipped (lines %(lines)s…).",
                       report.duplicates, lines=lines), "warning")
    if report.rejected:
        lines = ", ".join(str(line) for line, _code in report.rejected_lines)
        flash(ngettext("%(num)s line was not a usable code (more than 64 characters, spaces "
                       "or invisible characters) and was skipped: line %(lines)s.",
                       "%(num)s lines were not usable codes (more than 64 characters, spaces "
                       "or invisible characters) and were skipped: lines %(lines)s…",
                       report.rejected, lines=lines), "warning")
    if report.blank:
        flash(ngettext("%(num)s blank line was ignored.", "%(num)s blank lines were ignored.",
                       report.blank), "info")


def _save(form: OfferForm, offer=None):
    """Create or update the offer from a valid form, add its codes; commit or show the error."""
    try:
        before = None if offer is None else services.snapshot(offer)
        if offer is None:
            offer = services.create_offer(current_user, form.values())
        else:
            services.update_offer(offer, form.values())
        source = _codes_from(form) if offer.code_mode == "pool" else None
        report = codes.add_codes(offer, source) if source is not None else None
        services.require_codes(offer)
        record_action(current_user, "offer.created" if before is None else "offer.updated",
                      offer, before=before, after=services.snapshot(offer))
    except ServiceError as exc:
        db.session.rollback()
        return None, str(exc)
    db.session.commit()
    if report is not None:
        _report_codes(report)
    return offer, None


@bp.route("/dashboard/offers/new", methods=["GET", "POST"])
@staff
def create():
    """A new offer: texts, window, limit and how the code is given."""
    form = OfferForm()
    if not form.is_submitted():
        form.starts_at.data = utcnow().replace(second=0, microsecond=0, tzinfo=None)
    error = None
    if form.validate_on_submit():
        offer, error = _save(form)
        if offer is not None:
            flash(_("The offer “%(title)s” is saved.", title=offer.title), "success")
            return redirect(url_for("offers.manage_offer", offer_id=offer.id), code=303)
    status = 400 if (form.errors or error) else 200
    return render_template("offers/form.html", form=form, offer=None, error=error), status


@bp.route("/dashboard/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@staff
def edit(offer_id: int):
    """Change an offer; what people already claimed stays theirs."""
    offer = services.get_offer(offer_id)
    form = OfferForm(obj=offer)
    error = None
    if form.validate_on_submit():
        saved, error = _save(form, offer)
        if saved is not None:
            flash(_("The offer “%(title)s” is saved.", title=saved.title), "success")
            return redirect(url_for("offers.manage_offer", offer_id=offer_id), code=303)
        offer = services.get_offer(offer_id)
    status = 400 if (form.errors or error) else 200
    return render_template("offers/form.html", form=form, offer=offer, error=error), status


@bp.route("/dashboard/offers/<int:offer_id>")
@staff
def manage_offer(offer_id: int):
    """One offer for marketers: claims, codes left, the latest redemptions, more codes."""
    offer = services.get_offer(offer_id)
    rows = db.session.execute(
        services.redemptions_query(offer_id).limit(REDEMPTIONS_SHOWN)).all()
    return render_template(
        "offers/manage_offer.html", offer=offer, redemptions=rows,
        shown=REDEMPTIONS_SHOWN, state=services.availability(offer),
        low=services.pool_is_low(offer), form=AddCodesForm())


@bp.route("/dashboard/offers/<int:offer_id>/codes", methods=["POST"])
@staff
def add_codes(offer_id: int):
    """Add codes to a pool (pasted or uploaded): duplicates and blank lines are reported."""
    offer = services.get_offer(offer_id)
    form = AddCodesForm()
    if not form.validate_on_submit():
        flash(_("The page had expired: please send the codes again."), "error")
        return redirect(url_for("offers.manage_offer", offer_id=offer_id), code=303)
    source = _codes_from(form)
    if source is None:
        flash(_("Paste some codes or choose a file first."), "error")
        return redirect(url_for("offers.manage_offer", offer_id=offer_id), code=303)
    try:
        report = codes.add_codes(offer, source)
        record_action(current_user, "offer.codes_added", offer,
                      after={"added": report.added, "duplicates": report.duplicates,
                             "codes_total": offer.codes_total})
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("offers.manage_offer", offer_id=offer_id), code=303)
    db.session.commit()
    _report_codes(report)
    return redirect(url_for("offers.manage_offer", offer_id=offer_id), code=303)


@bp.route("/dashboard/offers/<int:offer_id>/redemptions.csv")
@staff
def export(offer_id: int):
    """Every claim of the offer as CSV: when, who, which code."""
    offer = services.get_offer(offer_id)
    record_export(current_user, "redemptions", {"offer_id": offer.id})
    db.session.commit()
    rows = ((r.claimed_at.strftime("%Y-%m-%d %H:%M:%S"), r.email, r.name, r.code)
            for r in db.session.execute(services.redemptions_query(offer_id)))
    return csv_download(f"offer-{offer.id}-redemptions.csv",
                        ["claimed_at", "email", "name", "code"], rows)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """A list of codes over the upload limit: say so (413) instead of failing."""
    message = _("That list of codes is too large to send in one go: upload it as a file, "
                "or in several parts.")
    offer_id = (request.view_args or {}).get("offer_id")
    if request.endpoint == "offers.add_codes" and offer_id is not None:
        flash(message, "error")
        return redirect(url_for("offers.manage_offer", offer_id=offer_id), code=303)
    if request.endpoint in ("offers.create", "offers.edit"):
        offer = services.get_offer(offer_id) if offer_id is not None else None
        form = OfferForm(formdata=None, obj=offer)
        return render_template("offers/form.html", form=form, offer=offer,
                               error=message), 413
    abort(413)
