"""Demo programs: an early access with few seats left and an event next month."""

import io
from datetime import timedelta

from PIL import Image, ImageDraw

from ambassador.programs.covers import set_cover
from ambassador.programs.enrollment import join
from ambassador.programs.feedback import add_question, save_answers
from ambassador.programs.services import ProgramFields, create_program

BETA = """Be among the first to try the **new reporting dashboard** before it ships to everyone.

- one-click exports for your finance team
- a weekly summary by mail
- dark mode, at last

We will ask for your impressions after two weeks: what you love, what gets in your way."""

COUNCIL = """Our quarterly **customer council**: two hours with the product team to shape what
we build next.

We share the roadmap, you tell us what matters to you. Coffee and croissants on us;
the video link works too if you cannot come to Paris."""


def _cover(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    """A soft two-colour gradient with a few circles: a cover without any stock photo."""
    width, height = 1200, 480
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / (height - 1)
        draw.line([(0, y), (width, y)],
                  fill=tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    for x, y, radius in ((980, 120, 160), (1120, 380, 90), (160, 420, 120)):
        draw.ellipse([x - radius, y - radius, x + radius, y + radius],
                     outline=(255, 255, 255), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def load_demo_programs(now, promoters: list) -> None:
    """Create the two demo programs with a few enrollments and a feedback answer (flush)."""
    beta = create_program(ProgramFields(
        title="Early access: the new reporting dashboard", description=BETA,
        kind="early_access", status="open", seats=3, closes_at=now + timedelta(days=21)),
        now=now - timedelta(days=2))
    set_cover(beta, _cover((75, 63, 214), (46, 170, 220)))
    start = (now + timedelta(days=30)).replace(hour=13, minute=0, second=0, microsecond=0)
    council = create_program(ProgramFields(
        title="Customer council: what we build next", description=COUNCIL, kind="event",
        status="open", seats=20, starts_at=start, ends_at=start + timedelta(hours=2),
        timezone="Europe/Paris", place="Lumière Voyages, 12 rue de la Paix, Paris",
        video_url="https://meet.example.com/customer-council"), now=now - timedelta(days=1))
    set_cover(council, _cover((19, 97, 59), (233, 178, 60)))
    rating = add_question(beta.id, "rating", "How useful is the new dashboard for you?")
    wish = add_question(beta.id, "long", "What would you change first?")
    # The last demo login joins nothing: their portal shows both programs, new.
    joining = promoters[:-1]
    for user in joining:
        join(beta.id, user, now=now - timedelta(days=1))
    for user in joining[:1]:
        join(council.id, user, now=now - timedelta(hours=20))
        save_answers(beta.id, user, {
            rating.id: "5", wish.id: "Grouper les exports par client, sinon c'est parfait."})
