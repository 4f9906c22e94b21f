"""CSV exports of a program: who enrolled, and what they answered (through the one writer)."""

from ambassador.csvfile import csv_download
from ambassador.programs.enrollment import enrolled_people
from ambassador.programs.feedback import all_answers
from ambassador.programs.models import Program

ENROLLMENT_HEADER = ["email", "name", "company", "language", "status", "place_in_line",
                     "joined_at", "enrolled_at", "reminded_at"]
FEEDBACK_HEADER = ["question", "kind", "email", "name", "rating", "answer", "answered_at"]


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def enrollment_rows(program: Program):
    """One row per person enrolled, then per person waiting (in line order)."""
    enrollments = enrolled_people(program.id)
    waiting = iter(range(1, len(enrollments) + 1))
    ordered = ([e for e in enrollments if e.status == "enrolled"]
               + [e for e in enrollments if e.status == "waiting"])
    for enrollment in ordered:
        user, customer = enrollment.user, enrollment.user.customer
        yield [user.email, (customer.name if customer else "") or user.name,
               (customer.company if customer else "") or "",
               (customer.language if customer else "") or "", enrollment.status,
               next(waiting) if enrollment.status == "waiting" else "",
               _iso(enrollment.joined_at), _iso(enrollment.enrolled_at),
               _iso(enrollment.reminded_at)]


def feedback_rows(program: Program):
    """One row per answer, question by question."""
    for answer in all_answers(program.id):
        question, user = answer.question, answer.user
        yield [question.prompt, question.kind, user.email, user.display_name,
               answer.rating if answer.rating is not None else "", answer.text,
               _iso(answer.answered_at)]


def enrollments_response(program: Program):
    """The enrollment list as a CSV download."""
    return csv_download(f"program-{program.id}-enrollments.csv", ENROLLMENT_HEADER,
                        list(enrollment_rows(program)))


def feedback_response(program: Program):
    """The feedback answers as a CSV download."""
    return csv_download(f"program-{program.id}-feedback.csv", FEEDBACK_HEADER,
                        list(feedback_rows(program)))
