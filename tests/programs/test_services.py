"""Program rules: dates in order, sensible seats, seats never below those taken."""

import io
from datetime import timedelta

import pytest
from PIL import Image

from ambassador.extensions import db
from ambassador.programs import feedback
from ambassador.programs.covers import CoverError, reencode
from ambassador.programs.enrollment import join
from ambassador.programs.rules import NotAllowed, ProgramError
from ambassador.programs.services import ProgramFields, create_program, update_program
from ambassador.utils import utcnow

NOW = utcnow()


@pytest.mark.parametrize("fields, message", [
    (dict(title="  "), "title"),
    (dict(title="x" * 201), "at most 200"),
    (dict(title="Beta", seats=0), "from 1"),
    (dict(title="Beta", seats=-3), "from 1"),
    (dict(title="Beta", opens_at=NOW, closes_at=NOW - timedelta(days=1)), "close after"),
    (dict(title="Beta", opens_at=NOW, closes_at=NOW), "close after"),
    (dict(title="Atelier", kind="event"), "start and an end"),
    (dict(title="Atelier", kind="event", starts_at=NOW, ends_at=NOW - timedelta(hours=1),
          place="Paris"), "end after"),
    (dict(title="Atelier", kind="event", starts_at=NOW, ends_at=NOW + timedelta(hours=1)),
     "place or a video link"),
    (dict(title="Atelier", kind="event", starts_at=NOW, ends_at=NOW + timedelta(hours=1),
          video_url="javascript:alert(1)"), "https://"),
    (dict(title="Beta", timezone="Mars/Olympus"), "not a time zone"),
    (dict(title="Beta", kind="party"), "early access or event"),
])
def test_bad_program_details_are_refused_with_a_reason(fields, message):
    with pytest.raises(ProgramError, match=message):
        create_program(ProgramFields(**fields))


def test_seats_cannot_go_below_those_taken_and_the_numbers_are_given(make_program,
                                                                     make_promoter):
    program = make_program(seats=5)
    for _ in range(3):
        join(program.id, make_promoter())
    db.session.commit()
    fields = ProgramFields(title=program.title, status="open", seats=2)
    with pytest.raises(ProgramError, match=r"3 people already hold a seat.*below 3.*asked for 2"):
        update_program(program, fields)
    db.session.rollback()
    assert db.session.get(type(program), program.id).seats == 5
    update_program(program, ProgramFields(title=program.title, status="open", seats=3))
    db.session.commit()
    assert program.seats == 3 and program.is_full


def test_more_seats_go_to_the_waiting_list_first(make_program, make_promoter, outbox):
    program = make_program(seats=1)
    join(program.id, make_promoter())
    waiting = [make_promoter() for _ in range(3)]
    for user in waiting:
        join(program.id, user, waitlist=True)
    db.session.commit()
    update_program(program, ProgramFields(title=program.title, status="open", seats=3))
    db.session.commit()
    assert program.taken == 3
    assert [len(outbox(to=u.email)) for u in waiting] == [1, 1, 0]


def test_html_in_a_description_is_shown_as_text(make_program, client, make_promoter, login):
    program = make_program(description="**Bold** <script>alert('x')</script>"
                                       "<img src=x onerror=alert(1)>")
    login(make_promoter())
    html = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html  # shown as the text it is


def _image(fmt="PNG", size=(800, 600), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "teal").save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt, mode", [("PNG", "RGB"), ("JPEG", "RGB"), ("WEBP", "RGB"),
                                       ("PNG", "RGBA")])
def test_covers_are_reencoded_as_webp_within_the_box(fmt, mode):
    data, width, height = reencode(_image(fmt, (3200, 1200), mode))
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    assert (width, height) == (1600, 600)


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"<svg onload=alert(1)></svg>", "not a JPEG, PNG or WebP"),
    (b"GIF89a" + b"\0" * 100, "not a JPEG, PNG or WebP"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "not a JPEG, PNG or WebP"),
    (b"x" * (5 * 1024 * 1024 + 1), "at most 5 MB"),
])
def test_bad_images_are_refused(data, message):
    with pytest.raises(CoverError, match=message):
        reencode(data)


def test_an_image_too_large_in_pixels_is_refused_before_decoding():
    bomb = _image("PNG", (9000, 9000), "1")  # tiny file, 81 million pixels
    assert len(bomb) < 5 * 1024 * 1024
    with pytest.raises(CoverError, match="9000 × 9000"):
        reencode(bomb)


def test_feedback_needs_an_enrollment_and_checks_ratings(make_program, make_promoter):
    program = make_program()
    rating = feedback.add_question(program.id, "rating", "How useful?")
    note = feedback.add_question(program.id, "long", "What should we change?")
    user = make_promoter()
    db.session.commit()
    with pytest.raises(NotAllowed):
        feedback.save_answers(program.id, user, {rating.id: "5"})
    join(program.id, user)
    with pytest.raises(ProgramError, match="1 to 5"):
        feedback.save_answers(program.id, user, {rating.id: "6", note.id: "More!"})
    assert feedback.answers_of(program.id, user) == {}
    assert feedback.save_answers(program.id, user, {rating.id: "4", note.id: "More!"}) == 2
    assert feedback.save_answers(program.id, user, {rating.id: "5"}) == 1
    db.session.commit()
    assert feedback.rating_averages(program.id) == {rating.id: (5.0, 1)}
    with pytest.raises(ProgramError, match="short text"):
        feedback.add_question(program.id, "essay", "Tell us")
