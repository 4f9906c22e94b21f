"""The widget builder form."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from ambassador.text import Form
from ambassador.widgets import services
from ambassador.widgets.models import MAX_SHOWN

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)


def _choices(pairs):
    return [SelectChoice(value, label) for value, label in pairs]


class WidgetForm(Form):
    """Everything a marketer sets on a widget; `values()` gives what the service checks."""

    name = StringField(_l("Name"), render_kw={"maxlength": 100})
    enabled = BooleanField(_l("Shown on websites"), default=True)
    selection = SelectField(_l("Which testimonials"), choices=_choices([
        ("all", _l("All approved")), ("tag", _l("By tag")),
        ("rating", _l("By minimum rating")), ("language", _l("By language")),
        ("picked", _l("Hand-picked, in this order"))]))
    tags = StringField(_l("Tags"), render_kw={"placeholder": "billing, mobile"})
    min_rating = SelectField(_l("Minimum rating"), coerce=int, default=4,
                             choices=_choices([(n, "★" * n) for n in (5, 4, 3, 2, 1)]))
    languages = StringField(_l("Languages"), render_kw={"placeholder": "fr, tr"})
    picked = StringField(_l("Testimonial numbers"), render_kw={"placeholder": "12, 7, 31"})
    shown = IntegerField(_l("How many"), default=9,
                         validators=[Optional(), NumberRange(1, MAX_SHOWN)])
    layout = SelectField(_l("Layout"), choices=_choices([
        ("grid", _l("Grid (wall of love)")), ("carousel", _l("Carousel")),
        ("list", _l("List")), ("badge", _l("Rating badge"))]))
    theme = SelectField(_l("Theme"), choices=_choices([
        ("light", _l("Light")), ("dark", _l("Dark")),
        ("auto", _l("Follow the visitor's setting"))]))
    accent = StringField(_l("Accent colour"), default="#4f46e5",
                         render_kw={"type": "color"})
    radius = IntegerField(_l("Corner radius (pixels)"), default=12,
                          validators=[Optional(), NumberRange(0, 24)])
    font = SelectField(_l("Font"), choices=_choices([
        ("inherit", _l("The website's font")), ("system", _l("The system font"))]))
    show_photo = BooleanField(_l("Photo"), default=True)
    show_rating = BooleanField(_l("Rating"), default=True)
    show_date = BooleanField(_l("Date"), default=True)
    show_verified = BooleanField(_l("“Verified promoter” mark"), default=True)
    language = SelectField(_l("Language of the widget's words and dates"), choices=_choices([
        ("en", "English"), ("fr", "Français"), ("tr", "Türkçe")]))
    allowed_domains = TextAreaField(_l("Only on these websites (optional)"),
                                    render_kw={"rows": 2, "placeholder": "www.example.com"})
    product_name = StringField(_l("Product the reviews are about (optional)"),
                               render_kw={"maxlength": 100})
    product_type = SelectField(_l("Kind of product"), choices=_choices([
        ("", _l("None: reviews of the company")), ("Product", _l("A product")),
        ("SoftwareApplication", _l("A software application"))]))

    def values(self) -> dict:
        """The settings as the service takes them (lists parsed; may raise WidgetError)."""
        return {
            "name": self.name.data, "enabled": bool(self.enabled.data),
            "selection": self.selection.data,
            "tags": services.words(self.tags.data, 20, _l("At most %(n)d tags."), "tags"),
            "min_rating": self.min_rating.data or 1,
            "languages": services.languages(self.languages.data),
            "picked": services.parse_picked(self.picked.data),
            "shown": self.shown.data or 9, "layout": self.layout.data,
            "theme": self.theme.data, "accent": (self.accent.data or "").strip(),
            "radius": self.radius.data if self.radius.data is not None else 12,
            "font": self.font.data, "show_photo": bool(self.show_photo.data),
            "show_rating": bool(self.show_rating.data), "show_date": bool(self.show_date.data),
            "show_verified": bool(self.show_verified.data), "language": self.language.data,
            "allowed_domains": services.parse_domains(self.allowed_domains.data),
            "product_name": self.product_name.data, "product_type": self.product_type.data,
        }

    def fill(self, widget) -> None:
        """Show a saved widget's settings in the form."""
        for field in services.FIELDS:
            value = getattr(widget, field)
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            getattr(self, field).data = value
