"""Referral pages for marketers: the dashboard, conversions, the review queue, the ledgers."""

import csv
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ambassador.audit.services import record_action
from ambassador.auth.access import staff
from ambassador.auth.forms import EmptyForm
from ambassador.auth.models import User
from ambassador.csvfile import csv_download
from ambassador.extensions import db
from ambassador.nps.forms import parse_page
from ambassador.referrals import rewards, services, stats
from ambassador.referrals.forms import AdjustForm, RewardForm, SettleForm, UploadForm
from ambassador.referrals.models import RewardEntry
from ambassador.utils import ServiceError

bp = Blueprint("referrals_admin", __name__, url_prefix="/dashboard/referrals")

MAX_UPLOAD = 5 * 1024 * 1024
SHOWN = 50
DECIDED = {"approve": "approved", "reject": "rejected"}
SETTLED = {"redeem": "redeemed", "reverse": "reversed"}


def _back(endpoint: str = "referrals_admin.dashboard", **values):
    return redirect(url_for(endpoint, **values), code=303)


@bp.route("")
@staff
def dashboard():
    """Visits, sign-ups, conversions and rate: in all, by week, per ambassador, per offer."""
    starts, series = stats.weekly()
    chart = stats.weekly_chart(starts, series, {"visits": _("Visits"),
                                                "signups": _("Sign-ups"),
                                                "conversions": _("Conversions")})
    offers = services.all_shareable()
    reward_forms = {}
    for offer in offers:
        reward = rewards.offer_reward(offer.id)
        form = RewardForm(formdata=None, prefix=f"offer{offer.id}")
        if reward is not None:
            form.kind.data = reward.kind
            form.amount.data = rewards.amount_input(reward.kind, reward.amount)
        reward_forms[offer.id] = (offer, reward, form)
    return render_template(
        "referrals/dashboard.html", totals=stats.totals(), chart=chart,
        ambassadors=stats.by_ambassador(), offers=stats.by_offer(),
        reward_forms=reward_forms, recent=services.recent_referrals(SHOWN),
        upload=UploadForm(), button=EmptyForm(), fmt=rewards.format_amount,
        reward_of=rewards.reward_of, reasons=services.reason_texts)


@bp.route("/offers/<int:offer_id>/reward", methods=["POST"])
@staff
def set_reward(offer_id: int):
    """Set the reward a conversion to this offer gives (points or credit; empty: none)."""
    form = RewardForm(prefix=f"offer{offer_id}")
    if not form.validate_on_submit():
        flash(_("The reward could not be saved: %(why)s",
                why=" ".join(e for errs in form.errors.values() for e in errs)), "error")
        return _back()
    before = rewards.offer_reward(offer_id)
    before = None if before is None else {"kind": before.kind, "amount": before.amount}
    try:
        reward = rewards.set_offer_reward(offer_id, form.kind.data, form.amount.data)
        record_action(current_user, "referral.reward_set", ("offers", offer_id), before=before,
                      after=None if reward is None else {"kind": reward.kind,
                                                          "amount": reward.amount})
    except ServiceError as exc:
        db.session.rollback()
        if exc.status_code == 404:
            raise
        flash(str(exc), "error")
        return _back()
    db.session.commit()
    flash(_("The reward is saved.") if reward else _("The offer gives no reward now."),
          "success")
    return _back()


@bp.route("/<int:referral_id>/convert", methods=["POST"])
@staff
def convert(referral_id: int):
    """Mark a referral converted: the friend became a customer (once; a second press is a no-op)."""
    if not EmptyForm().validate_on_submit():
        flash(_("The page had expired: please press the button again."), "error")
        return _back()
    try:
        result = rewards.convert(referral_id, "marked")
        if result.created:
            record_action(current_user, "referral.converted", result.referral,
                          after={"source": "marked",
                                 "reward": None if result.reward is None else
                                 {"kind": result.reward.kind, "amount": result.reward.amount}})
    except ServiceError as exc:
        db.session.rollback()
        if exc.status_code == 404:
            raise
        flash(str(exc), "error")
        return _back()
    db.session.commit()
    if not result.created:
        flash(_("This referral had already converted: nothing changed."), "info")
    elif result.reward is not None:
        flash(_("Converted. The reward of %(amount)s is pending until %(date)s.",
                amount=rewards.format_amount(result.reward.kind, result.reward.amount),
                date=result.reward.earn_after.strftime("%Y-%m-%d")), "success")
    else:
        flash(_("Converted, with no reward (see the referral's line)."), "success")
    return _back()


def _emails_of(upload) -> list[str]:
    """The first cell with an @ of each row of an uploaded CSV or text file."""
    raw = upload.stream.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise ServiceError(_("The file is larger than 5 MB: split it in parts."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    sample = text[:4096]
    delimiter = max(",;\t", key=sample.count) if sample else ","
    found = []
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        cell = next((c.strip() for c in row if "@" in c), None)
        if cell:
            found.append(cell)
    return found


@bp.route("/upload", methods=["POST"])
@staff
def upload():
    """Convert the referrals of every customer email in an uploaded file; report the counts."""
    form = UploadForm()
    file = form.file.data
    if not form.validate_on_submit() or file is None or not getattr(file, "filename", ""):
        flash(_("Choose a file of customer emails first."), "error")
        return _back()
    try:
        counts = rewards.convert_emails(_emails_of(file), "upload")
        record_action(current_user, "referral.upload", None, after=counts)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back()
    db.session.commit()
    flash(_("%(converted)s converted, %(already)s had already converted, %(unknown)s emails "
            "match no referral, %(refused)s are not eligible, %(invalid)s are not valid "
            "addresses.", converted=counts["converted"], already=counts["already"],
            unknown=counts["unknown"], refused=counts["not_eligible"],
            invalid=counts["invalid"]), "success")
    return _back()


@bp.route("/export.csv")
@staff
def export():
    """Every referral as CSV: when, whose link, the friend, the offer, status and conversion."""
    return csv_download("referrals.csv", stats.EXPORT_HEADER, stats.export_rows())


@bp.route("/review")
@staff
def review():
    """The referrals held for a marketer, with their reasons in words, 50 a page."""
    page = parse_page(request.args.get("page"))
    return render_template("referrals/review.html", queue=services.review_queue(page),
                           button=EmptyForm(), reasons=services.reason_texts)


@bp.route("/<int:referral_id>/review", methods=["POST"])
@staff
def decide(referral_id: int):
    """Approve or reject a held referral (an unknown one is a 404, whatever the form says)."""
    referral = services.get_referral(referral_id)
    action = request.form.get("decision")
    page = parse_page(request.form.get("page"))  # back to the same page
    if action not in ("approve", "reject") or not EmptyForm().validate_on_submit():
        flash(_("Choose Approve or Reject."), "error")
        return _back("referrals_admin.review", page=page)
    try:
        services.decide(referral, current_user, action == "approve")
        record_action(current_user, "referral." + DECIDED[action], referral,
                      before={"status": "review"}, after={"status": referral.status})
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back("referrals_admin.review", page=page)
    db.session.commit()
    flash(_("Approved: its reward can be earned.") if action == "approve"
          else _("Rejected: it earns nothing."), "success")
    return _back("referrals_admin.review", page=page)


def _ambassador(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != "promoter":
        abort(404)
    return user


@bp.route("/ambassadors/<int:user_id>")
@staff
def ledger(user_id: int):
    """One ambassador's rewards ledger: pending, earned, redeemed, reversed, and adjustments."""
    user = _ambassador(user_id)
    return render_template("referrals/ledger.html", person=user,
                           entries=rewards.ledger(user.id), balances=rewards.balances(user.id),
                           figures=stats.ambassador_figures(user), fmt=rewards.format_amount,
                           form=AdjustForm(formdata=None), settle=SettleForm(formdata=None))


@bp.route("/ambassadors/<int:user_id>/adjust", methods=["POST"])
@staff
def adjust(user_id: int):
    """Add an adjustment to a ledger (positive or negative), with its reason, in the audit."""
    user = _ambassador(user_id)
    form = AdjustForm()
    if form.validate_on_submit():
        try:
            entry = rewards.adjust(user, current_user, form.kind.data, form.amount.data,
                                   form.reason.data)
            record_action(current_user, "referral.ledger_adjusted", entry,
                          after={"user_id": user.id, "kind": entry.kind,
                                 "amount": entry.amount, "reason": entry.reason})
        except ServiceError as exc:
            db.session.rollback()
            form.amount.errors = [*form.amount.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("The adjustment is recorded."), "success")
            return _back("referrals_admin.ledger", user_id=user_id)
    return render_template("referrals/ledger.html", person=user,
                           entries=rewards.ledger(user.id), balances=rewards.balances(user.id),
                           figures=stats.ambassador_figures(user), fmt=rewards.format_amount,
                           form=form, settle=SettleForm(formdata=None)), 400


@bp.route("/rewards/<int:entry_id>/<action>", methods=["POST"])
@staff
def settle(entry_id: int, action: str):
    """Redeem an earned reward or reverse a pending one, with a reason, in the audit."""
    form = SettleForm()
    entry = db.session.get(RewardEntry, entry_id)
    if entry is None or action not in ("redeem", "reverse"):
        abort(404)
    user_id = entry.user_id
    if not form.validate_on_submit():
        flash(_("Say why, in a few words."), "error")
        return _back("referrals_admin.ledger", user_id=user_id)
    before = entry.state
    try:
        entry = rewards.settle(entry_id, action, current_user, form.reason.data)
        record_action(current_user, f"referral.reward_{SETTLED[action]}", entry,
                      before={"state": before}, after={"state": entry.state,
                                                       "reason": form.reason.data})
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back("referrals_admin.ledger", user_id=user_id)
    db.session.commit()
    flash(_("The ledger is updated."), "success")
    return _back("referrals_admin.ledger", user_id=user_id)
