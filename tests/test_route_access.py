"""Who may open every route, and that no GET changes data: one table for all of url_map.

HOW TO ADD YOUR ROUTE (every new route must; a route missing here fails the suite):

1. Add one entry to ACCESS below, keyed by the endpoint name (`flask routes` shows it):

       "offers.detail": {"GET": (LOGIN, 200, 200, 200, 200),
                         "POST": (LOGIN, 303, 403, 403, 403)},

   One tuple per HTTP method of the rule (HEAD and OPTIONS aside), giving the status each
   visitor gets, in the order of KINDS: anonymous, active promoter (latest score 9-10),
   lapsed promoter (was 9-10, latest 7-8), marketer, admin. LOGIN means "sent to log in
   first" (302 to /login?next=…). Requests carry no form data and no query string (a
   POST is empty, CSRF is off in tests): write the status such a request really gets.

2. If the rule has URL parameters (`<int:offer_id>`), give a valid value for each
   parameter name in the `route_values` fixture below, built from factory data
   (`values["offer_id"] = make_offer().id`). When one parameter name means different
   things in different routes (`token`), name the value to use in the entry:
   `"args": {"token": "invitation_token"}` picks `route_values["invitation_token"]`.

Each (endpoint, method) is its own test, on fresh data, each visitor kind in its own
client; `test_no_get_changes_any_row` then opens every GET route as every kind and
compares a checksum of every table before and after.
"""

import hashlib
import re

import pytest
from sqlalchemy import select

from ambassador.extensions import db
from tests.conftest import PASSWORD, utc

LOGIN = "login"
KINDS = ("anonymous", "active promoter", "lapsed promoter", "marketer", "admin")

ACCESS = {
    # public pages and the JSON API
    "static": {"GET": (200, 200, 200, 200, 200)},
    "portal.index": {"GET": (302, 302, 302, 302, 302)},
    "api.openapi": {"GET": (200, 200, 200, 200, 200)},
    "api.post_responses": {"POST": (401, 401, 401, 401, 401)},
    "api.post_conversion": {"POST": (401, 401, 401, 401, 401)},
    # accounts
    "auth.login": {"GET": (200, 302, 302, 302, 302),
                   "POST": (400, 302, 302, 302, 302)},
    "auth.logout": {"POST": (LOGIN, 302, 302, 302, 302)},
    "auth.forgot_password": {"GET": (200, 200, 200, 200, 200),
                             "POST": (400, 400, 400, 400, 400)},
    "account.account": {"GET": (LOGIN, 200, 200, 200, 200),
                        "POST": (LOGIN, 303, 303, 303, 303)},
    "account.switch_language": {"POST": (400, 400, 400, 400, 400)},
    "auth.reset_password": {"GET": (200, 200, 200, 200, 200),
                            "POST": (400, 400, 400, 400, 400),
                            "args": {"token": "reset_token"}},
    # the promoter's portal and invitations
    "portal.home": {"GET": (LOGIN, 200, 200, 200, 200)},
    "portal.accept_invitation": {"GET": (200, 200, 200, 200, 200),
                                 "POST": (400, 400, 400, 400, 400),
                                 "args": {"token": "invitation_token"}},
    "portal.renew_invitation": {"POST": (200, 200, 200, 200, 200),
                                "args": {"token": "invitation_token"}},
    "portal.send_invitations": {"POST": (LOGIN, 403, 403, 303, 303)},
    "portal.ignored_invitations": {"GET": (LOGIN, 403, 403, 200, 200)},
    # the invited customer's link is still open: refused with a message, back to the list
    "portal.invite_again": {"POST": (LOGIN, 403, 403, 303, 303)},
    # programs and events (the promoter side)
    "programs.index": {"GET": (LOGIN, 200, 200, 200, 200)},
    "programs.show": {"GET": (LOGIN, 200, 200, 200, 200)},
    "programs.join_program": {"POST": (LOGIN, 303, 403, 403, 403)},
    "programs.leave_program": {"POST": (LOGIN, 303, 303, 303, 303)},
    "programs.answer_feedback": {"POST": (LOGIN, 403, 403, 403, 403)},
    "programs.calendar": {"GET": (LOGIN, 200, 200, 200, 200)},
    "programs.cover": {"GET": (LOGIN, 200, 200, 200, 200)},
    # programs and events (the marketer side)
    "manage_programs.index": {"GET": (LOGIN, 403, 403, 200, 200)},
    "manage_programs.new": {"GET": (LOGIN, 403, 403, 200, 200),
                            "POST": (LOGIN, 403, 403, 400, 400)},
    "manage_programs.edit": {"GET": (LOGIN, 403, 403, 200, 200),
                             "POST": (LOGIN, 403, 403, 400, 400)},
    "manage_programs.detail": {"GET": (LOGIN, 403, 403, 200, 200)},
    "manage_programs.set_status": {"POST": (LOGIN, 403, 403, 303, 303)},
    "manage_programs.message": {"POST": (LOGIN, 403, 403, 400, 400)},
    "manage_programs.add_question": {"POST": (LOGIN, 403, 403, 400, 400)},
    # the marketer removes the question, so the admin after them finds none
    "manage_programs.delete_question": {"POST": (LOGIN, 403, 403, 303, 404)},
    "manage_programs.enrollments_csv": {"GET": (LOGIN, 403, 403, 200, 200)},
    "manage_programs.feedback_csv": {"GET": (LOGIN, 403, 403, 200, 200)},
    # exclusive offers: promoters claim, marketers manage
    "offers.index": {"GET": (LOGIN, 200, 200, 200, 200)},
    "offers.detail": {"GET": (LOGIN, 200, 200, 200, 200)},
    "offers.claim": {"POST": (LOGIN, 303, 403, 403, 403)},
    "offers.manage": {"GET": (LOGIN, 403, 403, 200, 200)},
    "offers.create": {"GET": (LOGIN, 403, 403, 200, 200),
                      "POST": (LOGIN, 403, 403, 400, 400)},
    "offers.edit": {"GET": (LOGIN, 403, 403, 200, 200),  # an empty POST saves it unchanged
                    "POST": (LOGIN, 403, 403, 303, 303)},
    "offers.manage_offer": {"GET": (LOGIN, 403, 403, 200, 200)},
    "offers.add_codes": {"POST": (LOGIN, 403, 403, 303, 303)},
    "offers.export": {"GET": (LOGIN, 403, 403, 200, 200)},
    # referrals: the ambassador's page, the friend's landing page, the marketers' pages
    "referrals.index": {"GET": (LOGIN, 200, 200, 302, 302)},
    "referrals.create_link": {"POST": (LOGIN, 303, 303, 403, 403)},
    "referrals.invite": {"POST": (LOGIN, 400, 400, 403, 403)},
    "referrals.landing": {"GET": (200, 200, 200, 200, 200), "args": {"code": "referral_code"}},
    "referrals.sign_up": {"POST": (400, 400, 400, 400, 400), "args": {"code": "referral_code"}},
    "referrals.thanks": {"GET": (302, 302, 302, 302, 302), "args": {"code": "referral_code"}},
    "referrals.visit": {"POST": (204, 204, 204, 204, 204), "args": {"code": "referral_code"}},
    "referrals_admin.dashboard": {"GET": (LOGIN, 403, 403, 200, 200)},
    "referrals_admin.set_reward": {"POST": (LOGIN, 403, 403, 303, 303)},
    # the marketer converts it first: the admin's second press changes nothing
    "referrals_admin.convert": {"POST": (LOGIN, 403, 403, 303, 303)},
    "referrals_admin.upload": {"POST": (LOGIN, 403, 403, 303, 303)},
    "referrals_admin.export": {"GET": (LOGIN, 403, 403, 200, 200)},
    "referrals_admin.review": {"GET": (LOGIN, 403, 403, 200, 200)},
    "referrals_admin.decide": {"POST": (LOGIN, 403, 403, 303, 303)},
    "referrals_admin.ledger": {"GET": (LOGIN, 403, 403, 200, 200),
                               "args": {"user_id": "ambassador_id"}},
    "referrals_admin.adjust": {"POST": (LOGIN, 403, 403, 400, 400),
                               "args": {"user_id": "ambassador_id"}},
    "referrals_admin.settle": {"POST": (LOGIN, 403, 403, 303, 303),
                               "args": {"action": "settle_action"}},
    # marketer pages
    "nps.dashboard": {"GET": (LOGIN, 403, 403, 200, 200)},
    "nps.accounts": {"GET": (LOGIN, 403, 403, 200, 200)},
    "nps.export_csv": {"GET": (LOGIN, 403, 403, 200, 200)},
    "imports.upload": {"GET": (LOGIN, 403, 403, 200, 200),
                       "POST": (LOGIN, 403, 403, 400, 400)},
    "imports.preview": {"GET": (LOGIN, 403, 403, 200, 200),
                        "POST": (LOGIN, 403, 403, 200, 200),
                        "args": {"token": "upload_token"}},
    "imports.result": {"GET": (LOGIN, 403, 403, 200, 200)},
    "imports.run_status": {"GET": (LOGIN, 403, 403, 200, 200)},
    "imports.retry": {"POST": (LOGIN, 403, 403, 303, 303)},
    # the forum (lapsed ambassadors read and post like everyone; the post is the active one's)
    "forum.index": {"GET": (LOGIN, 200, 200, 200, 200)},
    "forum.category": {"GET": (LOGIN, 200, 200, 200, 200)},
    "forum.new_thread": {"GET": (LOGIN, 200, 200, 200, 200),
                         "POST": (LOGIN, 400, 400, 400, 400)},
    "forum.thread": {"GET": (LOGIN, 200, 200, 200, 200)},
    "forum.reply": {"POST": (LOGIN, 400, 400, 400, 400)},
    "forum.first_new": {"GET": (LOGIN, 302, 302, 302, 302)},
    "forum.seen": {"POST": (LOGIN, 400, 400, 400, 400)},
    "forum.vote": {"POST": (LOGIN, 303, 303, 303, 303), "args": {"thread_id": "idea_id"}},
    "forum.post": {"GET": (LOGIN, 302, 302, 302, 302)},
    "forum.edit": {"GET": (LOGIN, 200, 403, 403, 403),
                   "POST": (LOGIN, 303, 403, 403, 403)},
    "forum.delete": {"POST": (LOGIN, 303, 403, 403, 403)},
    "forum.helpful": {"POST": (LOGIN, 400, 303, 303, 303)},
    "forum.report": {"GET": (LOGIN, 200, 200, 200, 200),
                     "POST": (LOGIN, 400, 400, 400, 400)},
    "forum.search": {"GET": (LOGIN, 200, 200, 200, 200)},
    "forum.settings": {"GET": (LOGIN, 200, 200, 200, 200),
                       "POST": (LOGIN, 303, 303, 303, 303)},
    "forum.moderation.index": {"GET": (LOGIN, 403, 403, 200, 200)},
    "forum.moderation.create_category": {"POST": (LOGIN, 403, 403, 400, 400)},
    "forum.moderation.edit_category": {"GET": (LOGIN, 403, 403, 200, 200),
                                       "POST": (LOGIN, 403, 403, 400, 400)},
    "forum.moderation.move_category": {"POST": (LOGIN, 403, 403, 303, 303)},
    "forum.moderation.flag_thread": {"POST": (LOGIN, 403, 403, 400, 400)},
    "forum.moderation.move_thread": {"POST": (LOGIN, 403, 403, 400, 400)},
    "forum.moderation.idea_status": {"POST": (LOGIN, 403, 403, 400, 400)},
    "forum.moderation.hide_post": {"POST": (LOGIN, 403, 403, 303, 303)},
    "forum.moderation.resolve_report": {"POST": (LOGIN, 403, 403, 400, 400)},
    # quarterly check-ins: the one-click answer (a signed link, no login) and the rounds
    "checkins.answer": {"GET": (200, 200, 200, 200, 200), "args": {"token": "checkin_token"}},
    "checkins.record": {"POST": (303, 303, 303, 303, 303), "args": {"token": "checkin_token"}},
    "checkins.thanks": {"GET": (303, 303, 303, 303, 303), "args": {"token": "checkin_token"}},
    "checkins.testimonial": {"POST": (403, 403, 403, 403, 403),
                             "args": {"token": "checkin_token"}},
    "checkins.index": {"GET": (LOGIN, 403, 403, 200, 200)},
    "checkins.pause": {"POST": (LOGIN, 403, 403, 303, 303)},
    # unsubscribing from every non-transactional mail (a signed link, no login)
    "unsubscribe.page": {"GET": (200, 200, 200, 200, 200),
                         "args": {"token": "unsubscribe_token"}},
    "unsubscribe.one_click": {"POST": (303, 303, 303, 303, 303),
                              "args": {"token": "unsubscribe_token"}},
    "unsubscribe.undo": {"POST": (303, 303, 303, 303, 303),
                         "args": {"token": "unsubscribe_token"}},
    # admin pages
    "auth.users": {"GET": (LOGIN, 403, 403, 403, 200)},
    "auth.invite_user": {"POST": (LOGIN, 403, 403, 403, 400)},
    "auth.change_role": {"POST": (LOGIN, 403, 403, 403, 400)},
    "auth.set_disabled": {"POST": (LOGIN, 403, 403, 403, 303)},
    "auth.api_tokens": {"GET": (LOGIN, 403, 403, 403, 200),
                        "POST": (LOGIN, 403, 403, 403, 400)},
    "auth.revoke_token": {"POST": (LOGIN, 403, 403, 403, 303)},
    "audit.index": {"GET": (LOGIN, 403, 403, 403, 200)},
    "audit.export_csv": {"GET": (LOGIN, 403, 403, 403, 200)},
    # privacy: your data and deleting your account; marketers' customer pages
    "privacy.my_data": {"GET": (LOGIN, 200, 200, 200, 200)},
    "privacy.delete_account": {"GET": (LOGIN, 200, 200, 403, 403),
                               "POST": (LOGIN, 400, 400, 403, 403)},
    "privacy.customers": {"GET": (LOGIN, 403, 403, 200, 200)},
    "privacy.customer": {"GET": (LOGIN, 403, 403, 200, 200)},
    "privacy.customer_data": {"GET": (LOGIN, 403, 403, 200, 200)},
    "privacy.erase_customer": {"POST": (LOGIN, 403, 403, 303, 303)},
    # testimonials: the author's pages, the "May we quote you?" link, photos
    "testimonials.mine": {"GET": (LOGIN, 200, 200, 403, 403)},
    "testimonials.write": {"GET": (LOGIN, 200, 200, 403, 403),
                           "POST": (LOGIN, 400, 400, 403, 403)},
    "testimonials.mine_detail": {"GET": (LOGIN, 200, 404, 403, 403)},
    "testimonials.withdraw": {"POST": (LOGIN, 303, 404, 403, 403)},
    "testimonials.quote": {"GET": (200, 200, 200, 200, 200),
                           "POST": (400, 400, 400, 400, 400),
                           "args": {"token": "quote_token"}},
    "testimonials.manage": {"GET": (200, 200, 200, 200, 200),
                            "args": {"token": "manage_token"}},
    "testimonials.manage_withdraw": {"POST": (303, 303, 303, 303, 303),
                                     "args": {"token": "manage_token"}},
    "testimonials.photo": {"GET": (404, 200, 404, 200, 200)},
    # testimonials: moderation and requests (marketers)
    "testimonials_admin.queue": {"GET": (LOGIN, 403, 403, 200, 200)},
    "testimonials_admin.review": {"GET": (LOGIN, 403, 403, 200, 200)},
    "testimonials_admin.approve": {"POST": (LOGIN, 403, 403, 303, 303)},
    "testimonials_admin.reject": {"POST": (LOGIN, 403, 403, 303, 303)},
    "testimonials_admin.feature": {"POST": (LOGIN, 403, 403, 303, 303),
                                   "args": {"action": "feature_action"}},
    "testimonials_admin.tags": {"POST": (LOGIN, 403, 403, 303, 303)},
    "testimonials_admin.edit": {"POST": (LOGIN, 403, 403, 303, 303)},
    "testimonials_admin.candidates": {"GET": (LOGIN, 403, 403, 200, 200)},
    "testimonials_admin.request_one": {"POST": (LOGIN, 403, 403, 303, 303)},
    "testimonials_admin.volunteers": {"GET": (LOGIN, 403, 403, 200, 200)},
    "testimonials_admin.export_csv": {"GET": (LOGIN, 403, 403, 200, 200)},
    "testimonials_admin.sites": {"GET": (LOGIN, 403, 403, 200, 200),
                                 "POST": (LOGIN, 403, 403, 400, 400)},
    # the marketer removes the site first, so the admin finds it gone
    "testimonials_admin.remove_site": {"POST": (LOGIN, 403, 403, 303, 404)},
    # widgets: the builder (marketers) and what websites load (everyone, no session)
    "widgets.index": {"GET": (LOGIN, 403, 403, 200, 200)},
    "widgets.new": {"GET": (LOGIN, 403, 403, 200, 200),
                    "POST": (LOGIN, 403, 403, 400, 400)},
    "widgets.edit": {"GET": (LOGIN, 403, 403, 200, 200),
                     "POST": (LOGIN, 403, 403, 400, 400)},
    "widgets.preview": {"GET": (LOGIN, 403, 403, 200, 200)},
    # the marketer deletes the widget first, so the admin finds it gone
    "widgets.delete": {"POST": (LOGIN, 403, 403, 303, 404)},
    "widget_public.widget_json": {"GET": (200, 200, 200, 200, 200)},
    "widget_public.script": {"GET": (200, 200, 200, 200, 200)},
    "widget_public.embed": {"GET": (200, 200, 200, 200, 200)},
    "widget_public.snippet": {"GET": (200, 200, 200, 200, 200)},
    # closing the loop: follow-up tasks, the weekly digest opt-in, webhooks (marketers)
    "followups.index": {"GET": (LOGIN, 403, 403, 200, 200)},
    "followups.detail": {"GET": (LOGIN, 403, 403, 200, 200)},
    "followups.update": {"POST": (LOGIN, 403, 403, 303, 303)},  # empty: saved unchanged
    "followups.add_note": {"POST": (LOGIN, 403, 403, 400, 400)},
    "followups.reply": {"POST": (LOGIN, 403, 403, 400, 400)},
    "followups.digest_settings": {"GET": (LOGIN, 403, 403, 200, 200),
                                  "POST": (LOGIN, 403, 403, 303, 303)},
    "webhooks.index": {"GET": (LOGIN, 403, 403, 200, 200),
                       "POST": (LOGIN, 403, 403, 400, 400)},
    "webhooks.detail": {"GET": (LOGIN, 403, 403, 200, 200)},
    "webhooks.toggle": {"POST": (LOGIN, 403, 403, 303, 303)},
    "webhooks.test": {"POST": (LOGIN, 403, 403, 303, 303)},
    "webhooks.change_secret": {"POST": (LOGIN, 403, 403, 303, 303)},  # without the page's
                                                                        # secret: refused
    # the marketer removes the webhook first, so the admin finds it gone
    "webhooks.delete": {"POST": (LOGIN, 403, 403, 303, 404)},
}

SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def _rows(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - SKIPPED_METHODS):
            yield rule, method


@pytest.fixture
def visitors(make_promoter, make_response, make_user):
    """One user per logged-in kind (anonymous is None), each with a real customer record."""
    active = make_promoter(score=10, responded_at=utc(2026, 1, 5))
    lapsed = make_promoter(score=10, responded_at=utc(2026, 1, 5))
    make_response(score=7, email=lapsed.email, responded_at=utc(2026, 2, 5))
    assert (active.customer.status, db.session.get(type(lapsed), lapsed.id).customer.status) \
        == ("active", "lapsed")
    return dict(zip(KINDS, (None, active, lapsed, make_user("marketer"), make_user("admin")),
                    strict=True))


@pytest.fixture
def route_values(visitors, make_response, make_user):
    """A valid value for every URL parameter name (or the key an ACCESS entry's "args" names)."""
    from ambassador.auth import services as accounts
    from ambassador.auth.tokens import create_api_token
    from ambassador.imports.models import ImportRun, ImportUpload
    from ambassador.portal.invitations import send_invitations
    from ambassador.utils import new_token

    values = {}
    spare = make_user("marketer", email="spare@example.com")
    values["user_id"] = spare.id
    values["customer_id"] = make_response(score=7, email="erase-me@example.com").customer_id
    values["action"] = "disable"
    values["reset_token"] = accounts.issue_password_link(spare).rsplit("/", 1)[1]
    values["token_id"] = create_api_token("Survey tool")[0].id
    values["filename"] = "css/app.css"
    marketer = visitors["marketer"]
    upload = ImportUpload(token=new_token(), user_id=marketer.id, filename="q1.csv",
                          data=b"email,score\nx@example.com,10\n")
    run = ImportRun(user_id=marketer.id, filename="q1.csv", imported=1)
    db.session.add_all([upload, run])
    db.session.flush()
    values["upload_token"], values["run_id"] = upload.token, run.id
    values["customer_id"] = make_response(score=10, email="invited@example.com").customer_id
    values["invitation_token"] = _invitation_token(send_invitations)
    values.update(_testimonial_values(visitors["active promoter"], marketer))
    values.update(_program_values())
    values["offer_id"] = _offer(marketer).id
    values.update(_widget_values())
    values.update(_forum_values(visitors))
    from ambassador.mail.unsubscribe import unsubscribe_token
    values["unsubscribe_token"] = unsubscribe_token("invited@example.com")
    values.update(_referral_values(visitors))
    values.update(_loop_values(visitors))
    values.update(_checkin_values())
    db.session.commit()
    return values


def _checkin_values() -> dict:
    """A check-in mailed to the invited customer: its token, and a score to open."""
    from ambassador.checkins.models import CheckIn
    from ambassador.checkins.tokens import answer_token
    from ambassador.nps.models import Customer
    from ambassador.utils import utcnow

    customer = db.session.scalar(select(Customer).where(Customer.email == "invited@example.com"))
    checkin = CheckIn(customer_id=customer.id, quarter="2026-Q4")
    db.session.add(checkin)
    db.session.flush()
    return {"checkin_token": answer_token(checkin.id, utcnow()), "score": 10}


def _testimonial_values(author, marketer) -> dict:
    """A pending testimonial with a photo by the active promoter, its links, a review site."""
    import io
    import re

    from PIL import Image

    from ambassador.mail.models import OutboxMessage
    from ambassador.nps.services import record_response
    from ambassador.testimonials import moderation, requests, services
    from ambassador.testimonials.photos import process_photo

    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 40, 40)).save(out, "PNG")
    testimonial = services.submit(author.customer, services.Submission(
        body="They answered the same day, every time.", rating=5, author_name="Ada",
        consents=dict.fromkeys(("text", "name", "photo", "company"), True),
        photo=process_photo(out.getvalue())), user=author)

    other = record_response({"email": "quote-me@example.com", "score": 10,
                             "comment": "Lovely people to work with."}, "import")
    requests.request_testimonial(other.customer_id, marketer, other.id)
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return {"testimonial_id": testimonial.id, "digest": testimonial.photo.digest,
            "feature_action": "feature", "site_id": moderation.add_review_site(
                "G2", "https://www.g2.com/products/example/reviews").id,
            "quote_token": re.search(r"/quote/([\w-]+)", mail.body_text).group(1),
            "manage_token": services.manage_token(testimonial)}


def _program_values() -> dict:
    """An open event with seats, a cover and a feedback question."""
    import io
    from datetime import timedelta

    from PIL import Image

    from ambassador.programs.covers import set_cover
    from ambassador.programs.feedback import add_question
    from ambassador.programs.services import ProgramFields, create_program
    from ambassador.utils import utcnow

    start = utcnow() + timedelta(days=7)
    program = create_program(ProgramFields(
        title="Customer council", kind="event", status="open", seats=10, starts_at=start,
        ends_at=start + timedelta(hours=2), timezone="Europe/Paris", place="Paris"))
    image = io.BytesIO()
    Image.new("RGB", (40, 20), "purple").save(image, format="PNG")
    set_cover(program, image.getvalue())
    question = add_question(program.id, "rating", "How useful was it?")
    return {"program_id": program.id, "question_id": question.id, "status": "open"}


def _offer(author):
    """An open offer with a small pool of codes."""
    from ambassador.offers import codes, services

    offer = services.create_offer(author, {"title": "Pool", "code_mode": "pool",
                                           "starts_at": utc(2026, 1, 1)})
    codes.add_codes(offer, codes.lines_of_text("CODE-1\nCODE-2\nCODE-3"))
    return offer


def _widget_values() -> dict:
    from ambassador.widgets import services
    from tests.widgets.conftest import SETTINGS

    widget = services.create_widget(SETTINGS, key="site")
    return {"widget_id": widget.id, "key": widget.key}


def _forum_values(visitors) -> dict:
    """A category, a thread whose first post the active promoter wrote, an idea, a report."""
    from ambassador.forum import moderation
    from ambassador.forum import services as forum

    marketer, author = visitors["marketer"], visitors["active promoter"]
    general = moderation.save_category(marketer, None, "General")
    ideas = moderation.save_category(marketer, None, "Ideas", kind="ideas")
    thread = forum.create_thread(author, general, "Hello", "The first post")
    idea = forum.create_thread(author, ideas, "Dark mode", "Please")
    post = forum.get_post(author, thread.last_post_id)
    report = forum.report_post(visitors["lapsed promoter"], post, "Off topic")
    return {"category_id": general.id, "thread_id": thread.id, "idea_id": idea.id,
            "post_id": post.id, "report_id": report.id}


def _referral_values(visitors) -> dict:
    """The active promoter's link, a friend's sign-up held for review, a pending reward."""
    from ambassador.referrals import rewards, services

    link = services.ensure_link(visitors["active promoter"])
    referral = services.sign_up(link, {"name": "Luc", "email": "luc@mailinator.com",
                                       "consent": True}, "203.0.113.7", "en").referral
    entry = rewards.adjust(link.user, visitors["marketer"], "points", "10", "Welcome")
    return {"referral_code": link.code, "referral_id": referral.id,
            "ambassador_id": link.user_id, "entry_id": entry.id, "settle_action": "redeem"}


def _loop_values(visitors) -> dict:
    """The lapsed promoter's follow-up task (opened when they lapsed) and a webhook."""
    from ambassador.checkins.followup_models import FollowUp
    from ambassador.checkins.webhooks import create_webhook

    lapsed = visitors["lapsed promoter"]
    task = db.session.scalar(select(FollowUp).where(FollowUp.customer_id == lapsed.customer_id))
    webhook, _secret = create_webhook(visitors["marketer"], "task.opened",
                                      "https://hooks.example.com/ambassador")
    return {"task_id": task.id, "webhook_id": webhook.id}


def _invitation_token(send_invitations) -> str:
    """Invite the one uninvited promoter and read the raw token from the queued mail."""
    import re

    from ambassador.mail.models import OutboxMessage

    assert send_invitations() == 1
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"/welcome/([\w-]+)", mail.body_text).group(1)


@pytest.fixture
def clients(app, visitors):
    """kind -> a test client logged in (through the real form) as that kind of visitor."""
    from tests.conftest import _Client

    app.test_client_class = _Client
    result = {}
    for kind, user in visitors.items():
        client = app.test_client()
        if user is not None:
            response = client.post("/login", data={"email": user.email, "password": PASSWORD})
            assert response.status_code == 302, (kind, response.status_code)
        result[kind] = client
    return result


def _url(app, rule, values) -> str:
    entry = ACCESS.get(rule.endpoint, {})
    names = entry.get("args", {})
    args = {}
    for name in rule.arguments:
        key = names.get(name, name)
        assert key in values, (
            f"{rule.endpoint}: no value for <{name}>: add values[{key!r}] to route_values"
            " in tests/test_route_access.py")
        args[name] = values[key]
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


ESCAPED_TAG = re.compile(r"&lt;/?(?:a|span|strong|code|em|b|br|p|ul|li)\b[^<>]{0,80}?&gt;")


def _visit(client, url, method="GET"):
    """The status a request gets, or LOGIN for "sent to log in first"."""
    response = client.open(url, method=method)
    if response.mimetype == "text/html":  # markup of our own never shows as text
        leaked = ESCAPED_TAG.search(response.get_data(as_text=True))
        assert not leaked, f"{method} {url} shows escaped markup: {leaked.group(0)}"
    response.close()
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/login?next="):
        return LOGIN
    return response.status_code


def test_every_endpoint_and_method_is_in_the_table(app):
    """A new route without its row fails here: add it to ACCESS (see the top of this file)."""
    served = {(rule.endpoint, method) for rule, method in _rows(app)}
    listed = {(endpoint, method) for endpoint, entry in ACCESS.items()
              for method in entry if method != "args"}
    assert sorted(served - listed) == [], "routes missing from ACCESS"
    assert sorted(listed - served) == [], "rows in ACCESS for routes that do not exist"
    for endpoint, entry in ACCESS.items():
        for method, statuses in entry.items():
            if method != "args":
                assert len(statuses) == len(KINDS), (endpoint, method)


@pytest.mark.parametrize("endpoint, method", [
    (endpoint, method) for endpoint, entry in ACCESS.items() for method in entry
    if method != "args"])
def test_each_visitor_gets_the_status_in_the_table(app, clients, route_values,
                                                   endpoint, method):
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint == endpoint and method in rule.methods]
    assert rules, f"{endpoint} {method} is not served"
    url = _url(app, rules[0], route_values)
    got = {kind: _visit(clients[kind], url, method) for kind in KINDS}
    expected = dict(zip(KINDS, ACCESS[endpoint][method], strict=True))
    assert got == expected, f"{method} {url}: got {tuple(got.values())}"


def _checksums() -> dict[str, tuple[int, str]]:
    """table -> (row count, SHA-256 of every row in primary-key order)."""
    sums = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                count += 1
            sums[table.name] = (count, digest.hexdigest())
    return sums


# The audit trail is an append-only log outside the data: a GET may add to it (a download
# of an export is recorded, as a read), but only `*.exported` entries, and never change one.
APPEND_ONLY_LOG = "audit_entries"


def _new_log_entries(since_id: int) -> list[str]:
    from ambassador.audit.models import AuditEntry

    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.id > since_id)))


def test_no_get_changes_any_row(app, clients, route_values):
    """Mail scanners and link previews open GET links: a GET never changes data."""
    from ambassador.audit.models import AuditEntry

    before = _checksums()
    logged = db.session.scalar(select(db.func.max(AuditEntry.id))) or 0
    opened = 0
    for rule, method in _rows(app):
        if method != "GET":
            continue
        url = _url(app, rule, route_values)
        for kind in KINDS:
            _visit(clients[kind], url)
            after = _checksums()
            changed = sorted(name for name in after
                             if after[name] != before[name] and name != APPEND_ONLY_LOG)
            assert changed == [], f"GET {url} as {kind} changed {changed}"
            added = _new_log_entries(logged)
            assert all(action.endswith(".exported") for action in added), (url, kind, added)
            logged = db.session.scalar(select(db.func.max(AuditEntry.id))) or 0
            db.session.rollback()
            opened += 1
    assert opened >= 5 * 10
