"""Marketers' pages: the moderation queue, one testimonial, candidates, volunteers, export."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ambassador.audit import record_export
from ambassador.auth.access import staff
from ambassador.auth.forms import EmptyForm
from ambassador.extensions import db
from ambassador.testimonials import moderation, public, requests
from ambassador.testimonials.forms import (
    EditForm,
    RejectForm,
    RequestByEmailForm,
    ReviewSiteForm,
    TagsForm,
)
from ambassador.testimonials.models import BODY_MAX
from ambassador.text import ascii_int
from ambassador.utils import ServiceError

bp = Blueprint("testimonials_admin", __name__, url_prefix="/dashboard/testimonials")
EXPORT_COLUMNS = ("id", "date", "rating", "body", "author_name", "author_title", "language",
                  "tags", "verified_promoter", "featured", "photo_url")


def _page() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < len(value) < 6 else 1


def _back(testimonial_id: int):
    return redirect(url_for("testimonials_admin.review", testimonial_id=testimonial_id)), 303


def _act(testimonial_id: int, form, action, done: str):
    """Run a moderation action from a posted form: commit and flash, or flash the refusal."""
    testimonial = moderation.get(testimonial_id)
    if not form.validate_on_submit():
        flash(_("The page had expired: please try again."), "error")
        return _back(testimonial_id)
    try:
        changed = action(testimonial)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(testimonial_id)
    db.session.commit()
    if changed is not False:
        flash(done, "success")
    return _back(testimonial_id)


@bp.route("")
@staff
def queue():
    filters = moderation.QueueFilters.from_args(request.args)
    items, more = moderation.queue(filters, _page())
    return render_template("testimonials/queue.html", items=items, more=more, page=_page(),
                           filters=filters, counts=moderation.counts(),
                           tags=moderation.all_tags())


@bp.route("/<int:testimonial_id>")
@staff
def review(testimonial_id: int):
    testimonial = moderation.get(testimonial_id)
    return render_template(
        "testimonials/review.html", t=testimonial, form=EmptyForm(), reject_form=RejectForm(),
        edit_form=EditForm(data={"body": testimonial.body}), body_max=BODY_MAX,
        tags_form=TagsForm(data={"tags": ", ".join(testimonial.tag_names)}),
        published=next(iter(public.published_testimonials(ids=[testimonial.id])), None))


@bp.route("/<int:testimonial_id>/approve", methods=["POST"])
@staff
def approve(testimonial_id: int):
    return _act(testimonial_id, EmptyForm(),
                lambda t: moderation.approve(t, current_user),
                _("Approved: it is published in widgets within a minute."))


@bp.route("/<int:testimonial_id>/reject", methods=["POST"])
@staff
def reject(testimonial_id: int):
    form = RejectForm()
    return _act(testimonial_id, form,
                lambda t: moderation.reject(t, current_user, form.reason.data),
                _("Rejected: the author sees your reason."))


@bp.route("/<int:testimonial_id>/<any(feature, unfeature):action>", methods=["POST"])
@staff
def feature(testimonial_id: int, action: str):
    return _act(testimonial_id, EmptyForm(),
                lambda t: moderation.set_featured(t, current_user, action == "feature"),
                _("Featured: widgets show it first.") if action == "feature"
                else _("No longer featured."))


@bp.route("/<int:testimonial_id>/tags", methods=["POST"])
@staff
def tags(testimonial_id: int):
    form = TagsForm()
    return _act(testimonial_id, form,
                lambda t: moderation.set_tags(t, current_user, form.tags.data),
                _("Tags saved."))


@bp.route("/<int:testimonial_id>/edit", methods=["POST"])
@staff
def edit(testimonial_id: int):
    form = EditForm()
    return _act(testimonial_id, form,
                lambda t: moderation.edit_body(t, current_user, form.body.data),
                _("Text corrected: the original is kept and the author has been told."))


@bp.route("/candidates")
@staff
def candidates():
    found, more = requests.candidates(_page())
    return render_template("testimonials/candidates.html", candidates=found, more=more,
                           page=_page(), form=EmptyForm(), email_form=RequestByEmailForm())


@bp.route("/requests", methods=["POST"])
@staff
def request_one():
    form = RequestByEmailForm()
    if not form.validate_on_submit():
        flash(_("The page had expired: please try again."), "error")
        return redirect(url_for("testimonials_admin.candidates")), 303
    raw_customer = request.form.get("customer_id", "")
    raw_response = request.form.get("response_id", "")
    customer_id, response_id = ascii_int(raw_customer), ascii_int(raw_response)
    if (raw_customer and customer_id is None) or (raw_response and response_id is None):
        abort(400)
    try:
        if customer_id is not None:
            req = requests.request_testimonial(customer_id, current_user, response_id)
        else:
            req = requests.request_by_email(form.email.data or "", current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("testimonials_admin.candidates")), 303
    db.session.commit()
    flash(_("Asked %(who)s: “May we quote you?” is on its way.",
            who=req.customer.display_name), "success")
    return redirect(url_for("testimonials_admin.candidates")), 303


@bp.route("/volunteers")
@staff
def volunteers():
    return render_template("testimonials/volunteers.html", items=moderation.volunteers())


@bp.route("/export.csv")
@staff
def export_csv():
    from ambassador.csvfile import csv_download

    record_export(current_user, "testimonials")
    db.session.commit()
    rows = ((p.id, p.date.isoformat(), p.rating, p.body, p.author_name, p.author_title,
             p.language, ", ".join(p.tags), p.verified_promoter, p.featured, p.photo_url)
            for p in public.published_testimonials())
    return csv_download("testimonials.csv", EXPORT_COLUMNS, rows)


@bp.route("/sites", methods=["GET", "POST"])
@staff
def sites():
    form = ReviewSiteForm()
    status = 200
    if form.validate_on_submit():
        try:
            moderation.add_review_site(form.name.data, form.url.data, current_user)
        except ServiceError as exc:
            db.session.rollback()
            form.url.errors = [str(exc)]
            status = 400
        else:
            db.session.commit()
            flash(_("Review site added: authors see it once their testimonial is "
                    "published."), "success")
            return redirect(url_for("testimonials_admin.sites")), 303
    return render_template("testimonials/sites.html", form=form, sites=moderation.review_sites(),
                           remove_form=EmptyForm()), status


@bp.route("/sites/<int:site_id>/remove", methods=["POST"])
@staff
def remove_site(site_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    moderation.remove_review_site(site_id, current_user)
    db.session.commit()
    flash(_("Review site removed."), "success")
    return redirect(url_for("testimonials_admin.sites")), 303

