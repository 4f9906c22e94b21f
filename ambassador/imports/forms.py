"""Import forms: the upload, and the preview's reading options and column mapping."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional

from ambassador.text import Form

ENCODINGS = [
    ("utf-8", "UTF-8"),
    ("utf-8-sig", _l("UTF-8 with BOM")),
    ("utf-16", "UTF-16"),
    ("cp1252", _l("Windows-1252 (Western Europe)")),
    ("cp1254", _l("Windows-1254 (Turkish)")),
    ("cp1250", _l("Windows-1250 (Central Europe)")),
    ("iso8859-1", "ISO-8859-1 (Latin-1)"),
    ("iso8859-9", _l("ISO-8859-9 (Turkish)")),
    ("iso8859-15", "ISO-8859-15 (Latin-9)"),
    ("mac-roman", "Mac Roman"),
]
DELIMITER_CHOICES = [("comma", _l("Comma ,")), ("semicolon", _l("Semicolon ;")),
                     ("tab", _l("Tab"))]
DATE_ORDER_CHOICES = [("", _l("Detect")), ("dmy", _l("Day first (24/11/2026)")),
                      ("mdy", _l("Month first (11/24/2026)"))]
FIELD_LABELS = {
    "email": _l("Email"), "score": _l("Score (0–10)"), "responded_at": _l("Answered at"),
    "comment": _l("Comment"), "name": _l("Name"), "company": _l("Company"),
    "external_id": _l("Response ID"), "touchpoint": _l("Touchpoint"),
    "contact_ref": _l("Contact reference"), "language": _l("Language"),
}


class UploadForm(Form):
    """The file to preview (nothing is imported on upload)."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a file to upload."))])


class PreviewForm(Form):
    """The preview's form; its drop-downs are built per file (see import_preview.py)."""

    save_as = StringField(_l("Save this mapping as"), validators=[
        Optional(), Length(max=100, message=_l("Use at most %(max)d characters."))])
