"""The forum part of `demo load`: categories, lively threads in three languages, an
announcement on the portal home, ideas with votes, a report waiting for the moderators.

Written through the services (so the search index, counters and notifications are the
real ones), then dated over the last weeks so the pages look lived in.
"""

from datetime import timedelta

from sqlalchemy import select, update

from ambassador.extensions import db
from ambassador.forum import moderation, services
from ambassador.forum.models import Post, Thread, Visit

CATEGORIES = [
    # (name, description, kind, staff_only, on_home)
    ("Announcements", "News from the team: releases, events, programs.", "discussion",
     True, True),
    ("General", "Say hello, ask anything, share how you work.", "discussion", False, False),
    ("Tips & tricks", "Astuces, ipuçları: what saves you time.", "discussion", False, False),
    ("Ideas", "What should we build next? Vote for the ideas you want.", "ideas",
     False, False),
]

# Threads: (category, author key, language, title, body, [(author key, body), ...]).
# Author keys: fr / tr / en (the demo promoters), marketer, admin.
THREADS = [
    ("Announcements", "marketer", "en", "Welcome to the ambassador forum",
     "Hello everyone! This is **your** space: ask questions, share tips and tell us what "
     "to build next in *Ideas*. The team reads everything.\n\n"
     "- Be kind\n- Stay on topic\n- Report anything that looks wrong",
     [("admin", "And if anything here does not work as you expect, tell us in General.")]),
    ("General", "fr", "fr", "Comment présentez-vous l'outil à vos collègues ?",
     "Chez Lumière Voyages, j'ai fait une démo de dix minutes en réunion d'équipe. "
     "Et vous, comment convainquez-vous les sceptiques ?",
     [("en", "A short demo works for us too. I show the weekly export first: that wins "
             "people over."),
      ("marketer", "Merci Hélène ! Nous préparons un petit kit de présentation : "
                   "dites-nous ce qui vous serait utile."),
      ("fr", "> un petit kit de présentation\n\nOui ! Surtout quelques diapositives en "
             "français, avec des captures d'écran."),
      ("tr", "Biz de ekip toplantısında kısa bir sunum yaptık, herkes çok beğendi.")]),
    ("General", "tr", "tr", "Mobil uygulamayı kullanan var mı?",
     "Sahada ekip arkadaşlarımız mobil uygulamayı kullanıyor. Çevrimdışı çalışma "
     "konusunda deneyimlerinizi merak ediyorum.",
     [("en", "We use it on the road every day. Offline mode saved us more than once."),
      ("tr", "Teşekkürler Grace! Senkronizasyon ne kadar sürüyor?"),
      ("en", "A few seconds once the phone is back online.")]),
    ("Tips & tricks", "en", "en", "Keyboard shortcuts that save me an hour a week",
     "Press `?` anywhere to see them all. My favourites:\n\n"
     "| keys | does |\n| --- | --- |\n| `g d` | go to the dashboard |\n"
     "| `/` | search |\n\nWhat are yours?",
     [("fr", "Je ne connaissais pas `g d`, merci !"),
      ("admin", "Great list, Grace. We will add it to the help pages.")]),
    ("Tips & tricks", "fr", "fr", "Astuce : les filtres enregistrés",
     "Enregistrez vos filtres préférés : un clic et votre vue du lundi matin est prête.",
     [("tr", "Harika bir ipucu, teşekkürler Hélène!")]),
]

IDEAS = [
    # (author key, language, title, body, status, voters)
    ("en", "en", "Dark mode", "My eyes would thank you for a dark theme in the evening.",
     "planned", ["fr", "tr", "en", "marketer"]),
    ("fr", "fr", "Export PDF des rapports",
     "Pouvoir envoyer un PDF propre à la direction, sans retoucher de capture d'écran.",
     "under_review", ["fr", "tr"]),
    ("tr", "tr", "Türkçe e-posta şablonları",
     "Müşterilerimize Türkçe şablonlarla yazabilmek çok işimize yarar.", "shipped",
     ["tr", "fr", "en"]),
    ("en", "en", "Slack notifications", "A message in our channel when a new idea ships.",
     "declined", ["en"]),
]


def load_forum_demo(people: dict, now) -> None:
    """Fill the forum; `people` maps fr/tr/en/marketer/admin to User (flush, no commit)."""
    staff = people["marketer"]
    categories = {name: moderation.save_category(staff, None, name, description, kind,
                                                 staff_only, on_home)
                  for name, description, kind, staff_only, on_home in CATEGORIES}
    age = timedelta(days=26)
    for category, author, lang, title, body, replies in THREADS:
        thread = services.create_thread(people[author], categories[category], title, body,
                                        language=lang)
        for who, text in replies:
            services.reply(people[who], thread, text, language=_language(who, lang))
        _spread(thread, now - age, now - age / 3)
        age -= timedelta(days=4)
    for author, lang, title, body, status, voters in IDEAS:
        idea = services.create_thread(people[author], categories["Ideas"], title, body,
                                      language=lang)
        moderation.set_idea_status(staff, idea, status)
        for voter in voters:
            services.toggle_vote(people[voter], idea)
        _spread(idea, now - age, now - age / 2)
        age -= timedelta(days=2)
    _lively_touches(people, now)


def _language(who: str, thread_language: str) -> str:
    return who if who in services.LANGUAGES else thread_language


def _spread(thread: Thread, start, end) -> None:
    """Date a thread's posts evenly between start and end (its visits follow)."""
    posts = list(db.session.scalars(select(Post).where(Post.thread_id == thread.id)
                                    .order_by(Post.id)).unique())
    step = (end - start) / max(1, len(posts) - 1)
    for i, post in enumerate(posts):
        post.created_at = start + step * i
    thread.created_at, thread.last_post_at = posts[0].created_at, posts[-1].created_at
    db.session.flush()


def _lively_touches(people: dict, now) -> None:
    """Helpful marks, a report to resolve, and something new for Grace since her visit."""
    general = db.session.scalar(select(Thread).where(
        Thread.title == "Comment présentez-vous l'outil à vos collègues ?"))
    posts = list(db.session.scalars(select(Post).where(Post.thread_id == general.id)
                                    .order_by(Post.id)).unique())
    services.toggle_reaction(people["en"], posts[0])
    services.toggle_reaction(people["tr"], posts[0])
    services.toggle_reaction(people["fr"], posts[1])
    # Grace last saw the thread after her own reply: the three later posts are new to her.
    db.session.execute(update(Visit).where(Visit.user_id == people["en"].id,
                                           Visit.thread_id == general.id)
                       .values(last_post_id=posts[1].id))
    services.report_post(people["en"], posts[-1],
                         "Test report: this reply could be in the Turkish thread instead.")
    db.session.flush()
