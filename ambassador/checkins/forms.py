"""Check-in forms: the comment that goes with a one-click answer."""

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from ambassador.constants import MAX_COMMENT
from ambassador.text import Form


class AnswerForm(Form):
    """The optional comment of an answer; the score is in the address."""

    comment = TextAreaField(_l("Your comment (optional)"),
                            validators=[Optional(), Length(max=MAX_COMMENT)])
