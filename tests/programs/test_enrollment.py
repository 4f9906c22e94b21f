"""Joining and leaving: one seat per person, never more seats than there are, the line."""

import threading

import pytest
from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.programs.enrollment import ProgramFull, join, leave
from ambassador.programs.models import Enrollment, Program
from ambassador.programs.rules import NotAllowed, ProgramUnavailable
from ambassador.utils import NotFound
from tests.mail import IN_MEMORY_SQLITE


def _enrolled(program_id, status="enrolled") -> int:
    return db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.program_id == program_id, Enrollment.status == status))


def _taken(program_id) -> int:
    return db.session.scalar(select(Program.taken).where(Program.id == program_id))


def test_joining_takes_a_seat_and_pressing_twice_changes_nothing(make_program, make_promoter):
    program = make_program(seats=5)
    user = make_promoter()

    first = join(program.id, user)
    db.session.commit()
    second = join(program.id, user)
    db.session.commit()

    assert (first.outcome, second.outcome) == ("enrolled", "already")
    assert second.enrollment.id == first.enrollment.id
    assert _taken(program.id) == 1 == _enrolled(program.id)


def test_a_full_program_says_so_and_offers_the_waiting_list(make_program, make_promoter):
    program = make_program(seats=1)
    join(program.id, make_promoter())
    db.session.commit()
    late = make_promoter()

    with pytest.raises(ProgramFull, match="waiting list"):
        join(program.id, late)
    db.session.rollback()
    assert _enrolled(program.id, "waiting") == 0

    result = join(program.id, late, waitlist=True)
    db.session.commit()
    assert result.outcome == "waiting"
    assert _taken(program.id) == 1


def test_a_freed_seat_goes_to_the_first_in_line_with_a_mail(make_program, make_promoter,
                                                            outbox):
    program = make_program(title="Conseil clients", seats=1)
    holder = make_promoter()
    first, second = (make_promoter(email="helene@example.fr", name="Hélène Dupré",
                                   language="fr"), make_promoter())
    join(program.id, holder)
    join(program.id, first, waitlist=True)
    join(program.id, second, waitlist=True)
    db.session.commit()

    assert leave(program.id, holder)
    db.session.commit()

    statuses = dict(db.session.execute(
        select(Enrollment.user_id, Enrollment.status)
        .where(Enrollment.program_id == program.id)).all())
    assert statuses == {first.id: "enrolled", second.id: "waiting"}
    assert _taken(program.id) == 1 == _enrolled(program.id)
    [mail] = outbox(to="helene@example.fr")
    assert "Conseil clients" in mail.subject
    assert "Bonjour" in mail.body_text or "Hello" in mail.body_text
    assert f"/programs/{program.id}" in mail.body_text
    assert outbox(to=second.email) == []


def test_leaving_without_a_line_frees_the_seat(make_program, make_promoter):
    program = make_program(seats=2)
    user = make_promoter()
    join(program.id, user)
    db.session.commit()
    assert leave(program.id, user) is True
    assert leave(program.id, user) is False  # a double click on Leave
    db.session.commit()
    assert _taken(program.id) == 0 == _enrolled(program.id)


def test_leaving_the_line_keeps_the_seats_as_they_are(make_program, make_promoter):
    program = make_program(seats=1)
    join(program.id, make_promoter())
    waiting = make_promoter()
    join(program.id, waiting, waitlist=True)
    db.session.commit()
    leave(program.id, waiting)
    db.session.commit()
    assert _taken(program.id) == 1 and _enrolled(program.id, "waiting") == 0


@pytest.mark.parametrize("score, role, message", [
    (6, "promoter", "paused"), (8, "promoter", "paused"), (None, "marketer", "marketer"),
])
def test_only_active_ambassadors_join_and_nothing_is_recorded(make_program, make_promoter,
                                                             make_response, make_user,
                                                             score, role, message):
    program = make_program(seats=3)
    if role == "promoter":
        user = make_promoter(10)
        make_response(score, email=user.email)
        db.session.refresh(user)
    else:
        user = make_user(role)
    with pytest.raises(NotAllowed, match=message) as info:
        join(program.id, user)
    assert info.value.status_code == 403
    db.session.rollback()
    assert _taken(program.id) == 0 and _enrolled(program.id) == 0


def test_drafts_and_closed_programs_cannot_be_joined(make_program, make_promoter):
    user = make_promoter()
    with pytest.raises(NotFound):
        join(make_program(status="draft").id, user)
    with pytest.raises(ProgramUnavailable, match="not open"):
        join(make_program(status="closed").id, user)


def test_unlimited_programs_never_fill(make_program, make_promoter):
    program = make_program(seats=None)
    for _ in range(4):
        assert join(program.id, make_promoter()).outcome == "enrolled"
    db.session.commit()
    assert _taken(program.id) == 4


# -- under concurrency ----------------------------------------------------------------------


def _join_at_once(app, program_id: int, user_ids: list[int]) -> list[str]:
    """Every user presses Join at the same moment, each in its own thread and session."""
    from ambassador.auth.models import User

    start, outcomes, errors = threading.Barrier(len(user_ids)), [], []

    def press(user_id):
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                assert user.customer is not None or user.role != "promoter"
                db.session.close()  # keep the loaded user, give its connection back
                start.wait()
                try:
                    outcomes.append(join(program_id, user).outcome)
                    db.session.commit()
                except ProgramFull:
                    db.session.rollback()
                    outcomes.append("full")
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return outcomes


def _twenty_promoters_for_five_seats(app):
    from ambassador.auth import services as accounts
    from ambassador.nps.services import record_response
    from ambassador.programs.services import ProgramFields, create_program

    with app.app_context():
        program = create_program(ProgramFields(title="Private beta", seats=5, status="open"))
        user_ids = []
        for n in range(20):
            response = record_response({"email": f"rush{n}@example.com", "score": 10}, "import")
            user = accounts.create_user(response.customer.email, "promoter", f"Rush {n}",
                                        password=None, customer_id=response.customer_id)
            user_ids.append(user.id)
        db.session.commit()
        program_id = program.id
    outcomes = _join_at_once(app, program_id, user_ids)
    assert sorted(outcomes).count("enrolled") == 5
    assert outcomes.count("full") == 15
    with app.app_context():
        assert _taken(program_id) == 5 == _enrolled(program_id)
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 5


@pytest.mark.skipif(
    IN_MEMORY_SQLITE,
    reason="in-memory SQLite is one connection shared by every session (StaticPool); the "
    "SQLite path is tested on a database file below, and this test runs on PostgreSQL",
)
def test_twenty_people_pressing_join_at_once_get_exactly_five_seats(app):
    _twenty_promoters_for_five_seats(app)


def test_twenty_people_at_once_on_a_sqlite_file_get_exactly_five_seats(tmp_path):
    """SQLite has no SELECT … FOR UPDATE: the conditional UPDATE alone decides."""
    from ambassador import create_app
    from config import TestingConfig

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'seats.db'}"

    app = create_app(FileConfig)
    with app.app_context():
        db.create_all()
    try:
        _twenty_promoters_for_five_seats(app)
    finally:
        with app.app_context():
            db.engine.dispose()


def test_one_person_double_clicking_at_once_gets_one_enrollment(app, make_program,
                                                               make_promoter):
    if IN_MEMORY_SQLITE:
        pytest.skip("needs separate connections (PostgreSQL); covered above on SQLite files")
    program = make_program(seats=3)
    user = make_promoter()
    outcomes = _join_at_once(app, program.id, [user.id] * 6)
    assert sorted(outcomes) == ["already"] * 5 + ["enrolled"]
    assert _taken(program.id) == 1 == _enrolled(program.id)
