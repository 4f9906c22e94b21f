"""Import forms: the upload, and the preview's reading options and column mapping."""

from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional

from ambassador.text import Form

ENCODINGS = [
    ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 with BOM"),
    ("utf-16", "UTF-16"),
    ("cp1252", "Windows-1252 (Western Europe)"),
    ("cp1254", "Windows-1254 (Turkish)"),
    ("cp1250", "Windows-1250 (Central Europe)"),
    ("iso8859-1", "ISO-8859-1 (Latin-1)"),
    ("iso8859-9", "ISO-8859-9 (Turkish)"),
    ("iso8859-15", "ISO-8859-15 (Latin-9)"),
    ("mac-roman", "Mac Roman"),
]
DELIMITER_CHOICES = [("comma", "Comma ,"), ("semicolon", "Semicolon ;"), ("tab", "Tab")]
DATE_ORDER_CHOICES = [("", "Detect"), ("dmy", "Day first (24/11/2026)"),
                      ("mdy", "Month first (11/24/2026)")]
FIELD_LABELS = {
    "email": "Email", "score": "Score (0–10)", "responded_at": "Answered at",
    "comment": "Comment", "name": "Name", "company": "Company", "external_id": "Response ID",
    "touchpoint": "Touchpoint", "contact_ref": "Contact reference", "language": "Language",
}


class UploadForm(Form):
    """The file to preview (nothing is imported on upload)."""

    file = FileField("CSV file", validators=[FileRequired("Choose a file to upload.")])


class PreviewForm(Form):
    """The preview's form; its drop-downs are built per file (see import_preview.py)."""

    save_as = StringField("Save this mapping as", validators=[
        Optional(), Length(max=100, message="Use at most 100 characters.")])
