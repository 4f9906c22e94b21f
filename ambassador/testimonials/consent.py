"""The consent wording shown to authors, versioned: each choice is stored with its text.

Change a wording only together with CONSENT_VERSION, so that a stored choice always
says which text the person agreed to.
"""

from flask_babel import lazy_gettext as _l

CONSENT_VERSION = "2026-12-01"

WORDING = {
    "text": _l("You may publish the text of my testimonial and my star rating on your "
               "website and in your marketing material."),
    "name": _l("You may show my name, as written above, next to it."),
    "company": _l("You may show my title and company, as written above, next to it."),
    "photo": _l("You may show the photo I upload next to it."),
}

WITHDRAWN_WORDING = "Withdrawn by the author: every consent is taken back."


def wording(scope: str) -> str:
    """The wording of one consent in the current language, as the form shows it."""
    return str(WORDING[scope])
