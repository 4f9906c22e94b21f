"""The widget builder for marketers: list, create, edit with a live preview, delete."""

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ambassador.auth.access import staff
from ambassador.auth.forms import EmptyForm
from ambassador.extensions import db
from ambassador.utils import ServiceError
from ambassador.widgets import services
from ambassador.widgets.forms import WidgetForm

bp = Blueprint("widgets", __name__, url_prefix="/dashboard/widgets")


def _codes(key: str) -> dict:
    base = current_app.config["BASE_URL"].rstrip("/")
    return {"embed": services.embed_code(key, base), "iframe": services.iframe_code(key, base),
            "snippet": f"{base}/widgets/{key}/snippet.html"}


def _show(form: WidgetForm, exc: ServiceError) -> None:
    """Put the service's message under the field it is about (the name if it says none)."""
    field = getattr(form, getattr(exc, "field", None) or "name", None) or form.name
    field.errors = [*field.errors, str(exc)]


@bp.route("")
@staff
def index():
    return render_template("widgets/index.html", widgets=services.all_widgets())


@bp.route("/new", methods=["GET", "POST"])
@staff
def new():
    form = WidgetForm()
    if form.validate_on_submit():
        try:
            widget = services.create_widget(form.values(), actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            _show(form, exc)
        else:
            db.session.commit()
            flash(_("Widget created: paste its code on your website."), "success")
            return redirect(url_for("widgets.edit", widget_id=widget.id)), 303
    status = 400 if request.method == "POST" else 200
    return render_template("widgets/edit.html", form=form, widget=None), status


@bp.route("/<int:widget_id>", methods=["GET", "POST"])
@staff
def edit(widget_id: int):
    widget = services.get(widget_id)
    form = WidgetForm()
    if request.method == "GET":
        form.fill(widget)
    elif form.validate_on_submit():
        try:
            services.update_widget(widget, form.values(), actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            _show(form, exc)
        else:
            db.session.commit()
            flash(_("Saved. Websites show the change within a minute."), "success")
            return redirect(url_for("widgets.edit", widget_id=widget.id)), 303
    status = 400 if form.errors else 200
    return render_template("widgets/edit.html", form=form, widget=widget,
                           codes=_codes(widget.key), delete_form=EmptyForm()), status


@bp.route("/<int:widget_id>/preview.json")
@staff
def preview(widget_id: int):
    """The payload of the settings in the builder form, unsaved (the live preview)."""
    widget = services.get(widget_id)
    if not request.args:
        return jsonify(services.payload(widget))
    form = WidgetForm(formdata=request.args, meta={"csrf": False})
    form.validate()
    try:
        values = services.check(form.values())
    except ServiceError as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify(services.payload(services.Preview(widget.key, values)))


@bp.route("/<int:widget_id>/delete", methods=["POST"])
@staff
def delete(widget_id: int):
    widget = services.get(widget_id)
    if EmptyForm().validate_on_submit():
        services.delete_widget(widget, actor=current_user)
        db.session.commit()
        flash(_("Widget deleted: websites that still carry its code show nothing."), "success")
    return redirect(url_for("widgets.index")), 303
