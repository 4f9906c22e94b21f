"""Feedback: the questions marketers ask a program's enrollees, and their answers."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.programs.models import (
    QUESTION_KINDS,
    Enrollment,
    FeedbackAnswer,
    FeedbackQuestion,
)
from ambassador.programs.rules import NotAllowed, ProgramError
from ambassador.utils import NotFound

MAX_PROMPT = 300
MAX_QUESTIONS = 20
MAX_ANSWER = {"short": 300, "long": 5000}


def questions(program_id: int) -> list[FeedbackQuestion]:
    """A program's questions in the order they were added."""
    return list(db.session.scalars(
        select(FeedbackQuestion).where(FeedbackQuestion.program_id == program_id)
        .order_by(FeedbackQuestion.position, FeedbackQuestion.id)))


def add_question(program_id: int, kind: str, prompt: str) -> FeedbackQuestion:
    """Add a question (short text, long text or a 1–5 rating) at the end of the list."""
    prompt = " ".join((prompt or "").split())
    if kind not in QUESTION_KINDS:
        raise ProgramError(_("Choose short text, long text or a 1–5 rating."))
    if not prompt:
        raise ProgramError(_("Write the question."))
    if len(prompt) > MAX_PROMPT:
        raise ProgramError(_("A question has at most %(n)d characters.", n=MAX_PROMPT))
    existing = questions(program_id)
    if len(existing) >= MAX_QUESTIONS:
        raise ProgramError(_("A program asks at most %(n)d questions.", n=MAX_QUESTIONS))
    question = FeedbackQuestion(program_id=program_id, kind=kind, prompt=prompt,
                                position=(existing[-1].position + 1) if existing else 1)
    db.session.add(question)
    db.session.flush()
    return question


def remove_question(program_id: int, question_id: int) -> str:
    """Remove a question and its answers; return its text."""
    question = db.session.get(FeedbackQuestion, question_id)
    if question is None or question.program_id != program_id:
        raise NotFound(_("This question does not exist."))
    prompt = question.prompt
    db.session.delete(question)
    db.session.flush()
    return prompt


def answers_of(program_id: int, user) -> dict[int, FeedbackAnswer]:
    """This person's answers, by question id."""
    rows = db.session.scalars(
        select(FeedbackAnswer).join(FeedbackQuestion)
        .where(FeedbackQuestion.program_id == program_id, FeedbackAnswer.user_id == user.id))
    return {answer.question_id: answer for answer in rows}


def save_answers(program_id: int, user, values: dict[int, str]) -> int:
    """Record an enrollee's answers (replacing earlier ones); return how many were given.

    Every value is checked before anything is written, so a bad rating loses nothing.
    """
    enrolled = db.session.scalar(select(Enrollment.id).where(
        Enrollment.program_id == program_id, Enrollment.user_id == user.id,
        Enrollment.status == "enrolled"))
    if enrolled is None:
        raise NotAllowed(_("Only people enrolled in this program can answer its questions."))
    checked = {}
    for question in questions(program_id):
        raw = (values.get(question.id) or "").strip()
        if not raw:
            continue
        if question.kind == "rating":
            if raw not in {"1", "2", "3", "4", "5"}:
                raise ProgramError(_("“%(q)s”: choose a rating from 1 to 5.", q=question.prompt))
            checked[question.id] = (question, "", int(raw))
        else:
            limit = MAX_ANSWER[question.kind]
            if len(raw) > limit:
                raise ProgramError(_("“%(q)s”: an answer has at most %(n)d characters.",
                                     q=question.prompt, n=limit))
            checked[question.id] = (question, raw, None)
    if not checked:
        raise ProgramError(_("Answer at least one question."))
    mine = answers_of(program_id, user)
    for question_id, (_question, text, rating) in checked.items():
        answer = mine.get(question_id)
        if answer is None:
            db.session.add(FeedbackAnswer(question_id=question_id, user_id=user.id,
                                          text=text, rating=rating))
        else:
            answer.text, answer.rating = text, rating
    db.session.flush()
    return len(checked)


def all_answers(program_id: int) -> list[FeedbackAnswer]:
    """Every answer to a program's questions, by question then time."""
    return list(db.session.scalars(
        select(FeedbackAnswer).join(FeedbackQuestion)
        .where(FeedbackQuestion.program_id == program_id)
        .order_by(FeedbackQuestion.position, FeedbackQuestion.id, FeedbackAnswer.answered_at,
                  FeedbackAnswer.id)))


def rating_averages(program_id: int) -> dict[int, tuple[float, int]]:
    """(average, count) of each rating question that has answers."""
    rows = db.session.execute(
        select(FeedbackAnswer.question_id, func.avg(FeedbackAnswer.rating), func.count())
        .join(FeedbackQuestion)
        .where(FeedbackQuestion.program_id == program_id, FeedbackQuestion.kind == "rating")
        .group_by(FeedbackAnswer.question_id)).all()
    return {qid: (float(avg), n) for qid, avg, n in rows}
