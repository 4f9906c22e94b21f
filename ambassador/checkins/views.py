"""Check-in pages: the one-click answer (`/c/TOKEN/SCORE`) and the marketers' rounds.

`GET /c/TOKEN/SCORE` never changes anything (mail scanners and link previews open every
link): it shows the chosen score, the question of its segment and the one button that
records the answer with a POST. The thanks page that follows differs by segment.
"""

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ambassador.audit.services import record_action
from ambassador.auth.access import public, staff
from ambassador.auth.forms import EmptyForm
from ambassador.checkins import answers, privacy, rounds, services  # noqa: F401 (privacy registers)
from ambassador.checkins.forms import AnswerForm
from ambassador.checkins.mailing import segment_of
from ambassador.extensions import db
from ambassador.i18n import prefer
from ambassador.security import token_in_url
from ambassador.testimonials import requests as testimonial_requests
from ambassador.utils import ServiceError

bp = Blueprint("checkins", __name__)


def _link(token: str) -> answers.Link:
    """The link's check-in, the page in its person's language; a clear page when it is dead."""
    checkin = answers.find_checkin(token)
    if checkin is not None:
        prefer(answers.person_language(checkin.customer))
    try:
        return answers.open_link(token)
    except ServiceError as exc:
        abort(make_response(render_template("checkins/link_dead.html", message=str(exc),
                                            expired=isinstance(exc, answers.LinkExpired)),
                            exc.status_code))


def _answer_page(token: str, link: answers.Link, score: int, form: AnswerForm, status=200):
    return render_template("checkins/answer.html", token=token, link=link, score=score,
                           segment=segment_of(score), form=form,
                           company=rounds.company_name(), scores=range(11)), status


@bp.route("/c/<token>/<int:score>", methods=["GET"])
@token_in_url
@public
def answer(token: str, score: int):
    """The chosen score, its segment's question and the button that records it (reads only)."""
    score = answers.check_score(score)
    link = _link(token)
    checkin = link.checkin
    same = checkin.score == score
    form = AnswerForm(data={"comment": checkin.comment if same else ""})
    return _answer_page(token, link, score, form)


@bp.route("/c/<token>/<int:score>", methods=["POST"])
@token_in_url
@public
def record(token: str, score: int):
    """Record (or replace) the answer, then show the segment's thanks."""
    score = answers.check_score(score)
    link = _link(token)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _answer_page(token, link, score, form, 400)
    try:
        answers.record_answer(link, score, form.comment.data)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        form.comment.errors = [*form.comment.errors, str(exc)]
        return _answer_page(token, link, score, form, exc.status_code)
    return redirect(url_for("checkins.thanks", token=token), 303)


@bp.route("/c/<token>/thanks")
@token_in_url
@public
def thanks(token: str):
    """The thanks of the answer's segment: a testimonial and news, a 10, a personal reply."""
    link = _link(token)
    checkin = link.checkin
    if checkin.score is None:
        return redirect(url_for("checkins.answer", token=token, score=10), 303)
    segment = segment_of(checkin.score)
    return render_template("checkins/thanks.html", token=token, link=link, checkin=checkin,
                           segment=segment, company=rounds.company_name(),
                           news=rounds.news_for(segment), form=EmptyForm())


@bp.route("/c/<token>/testimonial", methods=["POST"])
@token_in_url
@public
def testimonial(token: str):
    """A promoter who just answered 9-10 writes a testimonial, their comment pre-filled."""
    link = _link(token)
    checkin = link.checkin
    if checkin.score is None or checkin.score < 9:
        abort(403, _("Only an answer of 9 or 10 opens the testimonial page from here."))
    raw = testimonial_requests.request_for_answer(checkin.customer_id, checkin.response_id)
    db.session.commit()
    return redirect(url_for("testimonials.quote", token=raw), 303)


# -- marketers ---------------------------------------------------------------------------


@bp.route("/dashboard/checkins")
@staff
def index():
    """Upcoming and past rounds with their response rates, and the pause switch."""
    return render_template("checkins/index.html", overview=rounds.overview(),
                           paused=services.is_paused(), form=EmptyForm())


@bp.route("/dashboard/checkins/pause", methods=["POST"])
@staff
def pause():
    """Pause or resume every check-in and reminder (send-due honours it)."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400, _("The page had expired: please press the button again."))
    paused = request.form.get("paused") == "1"
    before = services.is_paused()
    services.set_paused(paused, current_user)
    record_action(current_user, "checkins.paused" if paused else "checkins.resumed", None,
                  before={"paused": before}, after={"paused": paused})
    db.session.commit()
    flash(_("Check-ins are paused: nothing is sent until you resume them.") if paused
          else _("Check-ins are running again: the next run sends what is due."), "success")
    return redirect(url_for("checkins.index"), 303)
