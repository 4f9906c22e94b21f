"""Demo testimonials: approved ones in three languages (two with drawn photos), a few
pending, one corrected, review sites; the other promoters' comments stay candidates.
"""

import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from ambassador.extensions import db
from ambassador.nps.models import Customer, Response
from ambassador.testimonials import services
from ambassador.testimonials.models import ReviewSite, TestimonialEdit, TestimonialTag
from ambassador.testimonials.photos import process_photo

# (language, rating, text, tags, status); the first of each language goes to the demo
# promoter who has an account in that language.
TESTIMONIALS = [
    ("fr", 5, "Depuis que nous travaillons avec eux, nos clients reçoivent une réponse le "
     "jour même. L'équipe est à l'écoute, disponible et de très bon conseil : un vrai "
     "partenaire.", ["support"], "approved"),
    ("tr", 5, "Destek ekibi her seferinde aynı gün dönüş yapıyor. Yeni raporlama ekranı "
     "sayesinde haftada birkaç saat kazanıyoruz. Kesinlikle tavsiye ederim.",
     ["reporting", "support"], "approved"),
    ("en", 5, "Onboarding took one afternoon and the product just works. When we had a "
     "question about billing, a real person answered within the hour.",
     ["onboarding", "billing"], "approved"),
    ("fr", 4, "L'outil nous fait gagner un temps précieux sur la préparation des devis. "
     "Quelques écrans mériteraient d'être simplifiés, mais le suivi est exemplaire.",
     ["quotes"], "approved"),
    ("en", 5, "We moved three teams over in a week. The migration help was outstanding and "
     "the new dashboard saves every manager hours each Monday.", ["reporting"], "approved"),
    ("tr", 4, "Kurulum çok kolaydı, mobil uygulama sahada çalışan ekibimizin işini gerçekten "
     "kolaylaştırdı. Güvenilir ve çözüm odaklı bir ekip.", ["mobile app"], "approved"),
    ("en", 5, "Honest advice, fast answers and a product that keeps getting better. "
     "We already recommended them to two other companies in our group.", [], "approved"),
    ("fr", 5, "Accompagnement personnalisé du début à la fin, et des résultats au "
     "rendez-vous dès le premier trimestre. Merci à toute l'équipe !", ["onboarding"],
     "pending"),
    ("en", 4, "Solid tool for our support desk. The integrations saved us from building "
     "our own, and the team listens to feature requests.", ["integrations"], "pending"),
    ("tr", 5, "Fatura süreçlerimiz artık çok daha düzenli. Ekip sorularımıza sabırla ve "
     "hızla yanıt veriyor.", ["billing"], "pending"),
]
PHOTOS = (1, 4)  # indexes of the approved testimonials that carry a drawn photo
CORRECTED = 2  # this one was corrected by a marketer (a typo in the original)
SITES = [("Google", "https://www.google.com/search?q=ambassador+demo+reviews"),
         ("G2", "https://www.g2.com/products/ambassador-demo/reviews"),
         ("Trustpilot", "https://www.trustpilot.com/review/ambassador-demo.example")]


def drawn_portrait(rng: random.Random) -> bytes:
    """A friendly head-and-shoulders silhouette on a soft gradient, drawn here (PNG)."""
    size = 400
    top = tuple(rng.randint(150, 230) for _ in range(3))
    bottom = tuple(max(c - 70, 40) for c in top)
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        mix = y / size
        draw.line([(0, y), (size, y)],
                  fill=tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    skin = rng.choice([(241, 206, 178), (214, 164, 126), (160, 111, 78), (255, 224, 196)])
    shirt = rng.choice([(75, 63, 214), (26, 156, 91), (36, 104, 180), (212, 66, 58)])
    hair = rng.choice([(60, 40, 30), (20, 20, 25), (150, 100, 50), (200, 170, 110)])
    draw.ellipse([70, 270, 330, 520], fill=shirt)
    draw.rectangle([170, 230, 230, 290], fill=skin)
    draw.ellipse([120, 80, 280, 260], fill=hair)
    draw.ellipse([130, 105, 270, 265], fill=skin)
    draw.chord([120, 70, 280, 200], 180, 360, fill=hair)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _authors(account_customers: dict[str, int]) -> list[tuple[Customer, Response]]:
    """A promoter (and their latest answer) for each demo testimonial, per language."""
    chosen: list[tuple[Customer, Response]] = []
    used = set(account_customers.values())
    pools: dict[str, list] = {}
    for customer, response in db.session.execute(
            select(Customer, Response).join(Response, Response.customer_id == Customer.id)
            .where(Customer.status == "active", Response.score >= 9,
                   Response.responded_at == Customer.latest_response_at)
            .order_by(Customer.id)):
        if customer.id not in used:
            pools.setdefault((customer.language or "en")[:2], []).append((customer, response))
    for language, *_rest in TESTIMONIALS:
        own = account_customers.pop(language, None)
        if own is not None:
            customer = db.session.get(Customer, own)
            chosen.append((customer, services.latest_response(own)))
        else:
            chosen.append(pools[language].pop(0))
    return chosen


def load_demo_testimonials(rng: random.Random, now, marketer,
                           account_customers: dict[str, int], users: dict[int, object]) -> int:
    """Write the demo testimonials (flush, no commit); return how many are approved."""
    for name, url in SITES:
        db.session.add(ReviewSite(name=name, url=url))
    approved = 0
    authors = _authors(dict(account_customers))
    for index, ((language, rating, text, tags, status), (customer, response)) in enumerate(
            zip(TESTIMONIALS, authors, strict=True)):
        photo = process_photo(drawn_portrait(rng)) if index in PHOTOS else None
        body = text.replace("the product just works", "the product just wroks") \
            if index == CORRECTED else text
        written = now - timedelta(days=3 + 4 * (len(TESTIMONIALS) - index),
                                  hours=rng.randint(0, 12))
        testimonial = services.submit(customer, services.Submission(
            body=body, rating=rating, author_name=customer.name or "",
            name_format="initial" if index % 3 == 2 else "full",
            author_title=customer.company or "", language=language,
            consents={"text": True, "name": True, "company": index != 3, "photo": True},
            case_study=index in (0, 4), reference_call=index in (2, 6), photo=photo),
            user=users.get(customer.id), response=response, now=written)
        testimonial.tags = [TestimonialTag(testimonial_id=testimonial.id, tag=t)
                            for t in tags]
        if status == "approved":
            testimonial.status = "approved"
            testimonial.decided_at = written + timedelta(hours=5)
            testimonial.decided_by_id = marketer.id
            testimonial.featured = index == 0
            approved += 1
        if index == CORRECTED:
            testimonial.body = text
            db.session.add(TestimonialEdit(testimonial_id=testimonial.id, editor_id=marketer.id,
                                           before=body, after=text,
                                           edited_at=written + timedelta(hours=4)))
    db.session.flush()
    return approved
