"""The author's pages: writing from the portal, the "May we quote you?" link, withdrawing."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from ambassador.auth.access import public, roles
from ambassador.auth.forms import EmptyForm
from ambassador.extensions import db
from ambassador.security import token_in_url
from ambassador.testimonials import moderation, requests, services, verification
from ambassador.testimonials import public as published
from ambassador.testimonials.forms import TestimonialForm
from ambassador.testimonials.models import BODY_MAX, Testimonial, TestimonialPhoto
from ambassador.testimonials.photos import MAX_BYTES, PhotoRefused, process_photo

bp = Blueprint("testimonials", __name__)
promoter = roles("promoter")
# The whole form may carry the photo plus its text fields.
UPLOAD_LIMIT = MAX_BYTES + 256 * 1024


@bp.record_once
def _subscribe(_state) -> None:
    verification.subscribe()


def _too_large():
    """A clear 413 page when the form (its photo) is over the limit, else None.

    The declared length is checked before anything is read; a body without one is
    read within the same limit.
    """
    request.max_content_length = UPLOAD_LIMIT
    try:
        if (request.content_length or 0) > UPLOAD_LIMIT:
            raise RequestEntityTooLarge()
        request.files  # noqa: B018  (parses the body now, within the limit)
    except RequestEntityTooLarge:
        return render_template("testimonials/too_large.html",
                               mb=MAX_BYTES // (1024 * 1024)), 413
    return None


def _form(**prefill) -> TestimonialForm:
    return TestimonialForm(data=prefill) if request.method == "GET" else TestimonialForm()


def _submission(form: TestimonialForm, photo: bool = True) -> services.Submission:
    """The form's values, with the photo checked and re-encoded (PhotoRefused if bad)."""
    upload = form.photo.data if photo else None
    if upload is not None and getattr(upload, "filename", ""):
        photo = process_photo(upload.read(MAX_BYTES + 1))
    else:
        photo = None
    return services.Submission(
        body=form.body.data or "", rating=form.rating.data or 0,
        author_name=form.author_name.data or "", name_format=form.name_format.data or "",
        author_title=form.author_title.data or "", language=form.language.data or "",
        consents=form.consents(), case_study=form.case_study.data,
        reference_call=form.reference_call.data, photo=photo)


def _show(form: TestimonialForm, problems: dict[str, str]) -> None:
    """Each problem under its field (once), or above the form when it has no field."""
    for name, message in problems.items():
        field = getattr(form, name, None) if name in form else None
        if field is None:
            form.form_errors.append(message)
        elif message not in field.errors:
            field.errors = [*field.errors, message]


def _write(form: TestimonialForm, save) -> Testimonial | None:
    """Validate, save with `save(submission)`, commit; errors end up on the form.

    Every mistake is named at once: when the form itself refuses (no rating), the
    service's own checks of the other fields are shown too.
    """
    if not form.validate_on_submit():
        if form.is_submitted():
            _show(form, services.problems(_submission(form, photo=False)))
        return None
    try:
        testimonial = save(_submission(form))
    except PhotoRefused as exc:
        db.session.rollback()
        form.photo.errors = [str(exc)]
        return None
    except services.TestimonialError as exc:
        db.session.rollback()
        _show(form, exc.problems or {"": str(exc)})
        return None
    db.session.commit()
    return testimonial


def _customer():
    customer = current_user.customer
    if customer is None:
        abort(403, description=_("Your account is not linked to a survey answer, so there "
                                 "is no testimonial to write."))
    return customer


def _detail(testimonial: Testimonial, withdraw_url: str) -> str:
    """The author's view of one testimonial, with exactly what is published."""
    return render_template(
        "testimonials/detail.html", t=testimonial, form=EmptyForm(), withdraw_url=withdraw_url,
        sites=moderation.review_sites(),
        published=next(iter(published.published_testimonials(ids=[testimonial.id])), None))


@bp.route("/portal/testimonials")
@promoter
def mine():
    customer = current_user.customer
    items = services.author_testimonials(customer.id) if customer else []
    return render_template("testimonials/mine.html", items=items, customer=customer,
                           form=EmptyForm())


@bp.route("/portal/testimonials/new", methods=["GET", "POST"])
@promoter
def write():
    customer = _customer()
    too_large = _too_large()
    if too_large:
        return too_large
    form = _form(**services.prefill_for(customer, current_user.name))
    testimonial = _write(form, lambda sub: services.submit(customer, sub, user=current_user))
    if testimonial is not None:
        flash(_("Thank you! Your testimonial is waiting for a quick review."), "success")
        return redirect(url_for("testimonials.mine_detail", testimonial_id=testimonial.id)), 303
    status = 400 if form.errors or form.form_errors else 200
    return render_template("testimonials/write.html", form=form, body_max=BODY_MAX,
                           action=url_for("testimonials.write"), prefill=None), status


@bp.route("/portal/testimonials/<int:testimonial_id>")
@promoter
def mine_detail(testimonial_id: int):
    testimonial = services.get_for_author(testimonial_id, current_user.customer_id)
    return _detail(testimonial, url_for("testimonials.withdraw", testimonial_id=testimonial.id))


@bp.route("/portal/testimonials/<int:testimonial_id>/withdraw", methods=["POST"])
@promoter
def withdraw(testimonial_id: int):
    testimonial = services.get_for_author(testimonial_id, current_user.customer_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if services.withdraw(testimonial):
        flash(_("Your testimonial is withdrawn: it is no longer shown anywhere."), "success")
    db.session.commit()
    return redirect(url_for("testimonials.mine_detail", testimonial_id=testimonial.id)), 303


@bp.route("/quote/<token>", methods=["GET", "POST"])
@public
@token_in_url
def quote(token: str):
    req = requests.find_request(token)
    if req.used_at is not None and req.testimonial is not None:
        return redirect(url_for(
            "testimonials.manage", token=services.manage_token(req.testimonial))), 303
    try:
        requests.check_open(req)
    except requests.RequestDead as exc:
        return render_template("testimonials/link_dead.html", message=str(exc)), 410
    too_large = _too_large()
    if too_large:
        return too_large
    prefill = services.prefill_for(req.customer)
    prefill["body"] = req.prefill
    form = _form(**prefill)
    testimonial = _write(form, lambda sub: requests.submit_from_request(token, sub))
    if testimonial is not None:
        flash(_("Thank you! Your testimonial is waiting for a quick review."), "success")
        return redirect(url_for(
            "testimonials.manage", token=services.manage_token(testimonial))), 303
    status = 400 if form.errors or form.form_errors else 200
    page = render_template("testimonials/write.html", form=form, body_max=BODY_MAX,
                           action=url_for("testimonials.quote", token=token), prefill=req)
    return page, status


@bp.route("/quote/manage/<token>")
@public
@token_in_url
def manage(token: str):
    testimonial = services.from_manage_token(token)
    page = _detail(testimonial, url_for("testimonials.manage_withdraw", token=token))
    return page


@bp.route("/quote/manage/<token>/withdraw", methods=["POST"])
@public
@token_in_url
def manage_withdraw(token: str):
    testimonial = services.from_manage_token(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if services.withdraw(testimonial):
        flash(_("Your testimonial is withdrawn: it is no longer shown anywhere."), "success")
    db.session.commit()
    return redirect(url_for("testimonials.manage", token=token)), 303


@bp.route("/testimonials/photos/<int:testimonial_id>/<digest>.jpg")
@public
def photo(testimonial_id: int, digest: str):
    found = db.session.scalar(select(TestimonialPhoto).where(
        TestimonialPhoto.testimonial_id == testimonial_id))
    if found is None or found.digest != digest:
        abort(404)
    testimonial = found.testimonial
    if published.is_photo_public(testimonial):
        cache = "public, max-age=60"
    elif current_user.is_authenticated and (
            current_user.is_staff or current_user.customer_id == testimonial.customer_id):
        cache = "private, no-store"
    else:
        abort(404)
    response = Response(found.data, mimetype=found.mimetype)
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
