"""Login, logout, password links, and the admin's pages for people and API tokens."""

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_url

from ambassador import i18n
from ambassador.auth import services, sessions, throttle, tokens
from ambassador.auth.access import admin_only, any_user, public
from ambassador.auth.forms import (
    ForgotPasswordForm,
    InviteUserForm,
    LoginForm,
    RoleForm,
    SetPasswordForm,
    TokenForm,
)
from ambassador.auth.models import ROLE_LABELS, ROLES, User
from ambassador.extensions import db, limiter, login_manager
from ambassador.security import token_in_url, when_form_expired
from ambassador.text import ascii_int
from ambassador.urls import is_safe_next
from ambassador.utils import ServiceError

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see that page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(identity: str):
    """Flask-Login's loader: the identity "id:session_token", in a session not left idle."""
    user = services.load_session_user(identity)
    if user is not None and not sessions.session_is_current(user):
        session.clear()
        g.session_expired = True
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Send a visitor to the login page, saying so when their session ran out."""
    if g.pop("session_expired", False):
        flash(_("Your session ended after a while without activity: please log in again."),
              "info")
    else:
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url("auth.login", next_url=request.url))


def home_for(user) -> str:
    """Where a user lands after logging in."""
    return url_for(user.home_endpoint)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _reset_limit() -> str:
    return current_app.config["RATELIMIT_RESET"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login():
    """Log in with email and password, then go to `next` (inside the site) or home."""
    next_url = request.args.get("next")
    target = next_url if is_safe_next(next_url) else None
    if current_user.is_authenticated:
        return redirect(target or home_for(current_user))
    form = LoginForm()
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        if throttle.login_blocked(form.email.data):
            return throttle.too_many_attempts(form.email.data)
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            throttle.forget_login_failures(form.email.data)
            sessions.start_session(user, remember=form.remember.data)
            return redirect(target or home_for(user))
        throttle.record_login_failure(form.email.data)
        form.password.errors.append(_("Wrong email or password."))
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@any_user
def logout():
    """End the session on the server too (POST only, so a link or image cannot log out)."""
    services.end_sessions(current_user)
    db.session.commit()
    sessions.end_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@public
def forgot_password():
    """Mail a reset link; the answer is the same whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        hours = current_app.config["PASSWORD_RESET_HOURS"]
        flash(ngettext("If an account exists for that address, we have sent it a link to choose "
                       "a new password. The link works once, within %(num)d hour.",
                       "If an account exists for that address, we have sent it a link to choose "
                       "a new password. The link works once, within %(num)d hours.", hours),
              "info")
        return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form), status


def password_already_set(code: int = 302):
    """A one-time link's password form sent again by the person its first submit logged
    in: on to their start page, as the first submit went (with its status code)."""
    flash(_("Your password is already set, and you are logged in."), "info")
    return redirect(home_for(current_user), code)


def _password_already_set(token: str):
    if not services.password_link_used_by(token, current_user):
        return None
    return password_already_set()


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@public
@token_in_url
@when_form_expired(_password_already_set)
def reset_password(token: str):
    """Choose a password with a one-time link (a reset or an invitation)."""
    i18n.prefer(services.password_link_language(token))  # the link was mailed in it
    if request.method == "POST" and (done := _password_already_set(token)) is not None:
        return done
    try:
        record = services.check_password_token(token)
    except ServiceError as exc:
        response = make_response(render_template("auth/link_dead.html", message=str(exc)), 410)
    else:
        form = SetPasswordForm()
        status = 400 if form.is_submitted() else 200
        if form.validate_on_submit():
            try:
                user = services.reset_password(token, form.password.data)
            except ServiceError as exc:
                db.session.rollback()
                form.password.errors.append(str(exc))
            else:
                db.session.commit()
                sessions.start_session(user)
                flash(_("Your password is set. Welcome!"), "success")
                return redirect(home_for(user))
        user = record.user
        heading = (_("Welcome, %(name)s", name=user.display_name) if record.purpose == "setup"
                   else _("Choose a new password"))
        response = make_response(render_template(
            "auth/set_password.html", form=form, heading=heading, intro=None,
            email=user.email, submit=_("Save the password"),
            min_password=services.MIN_PASSWORD), status)
    return response


def _users_page(status: int = 200, invite_form: InviteUserForm | None = None):
    """Render the people page (search from the query string) with a status."""
    page = ascii_int(request.args.get("page"), 1, 100_000) or 1
    query = request.args.get("q", "")[:200]
    role = request.args.get("role", "")
    role = role if role in ROLES else ""
    pagination = services.search_users(query, role, page)
    return render_template(
        "auth/users.html", pagination=pagination, q=query, role=role, roles=ROLES,
        invite_form=invite_form or InviteUserForm(formdata=None),
    ), status


def _back_to_users():
    """After a change on the people page, return to the search the admin was on."""
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("auth.users"), code=303)


@bp.route("/admin/users")
@admin_only
def users():
    """List and search people; invite, change roles, disable."""
    return _users_page()


@bp.route("/admin/users/invite", methods=["POST"])
@admin_only
def invite_user():
    """Create an account and mail its owner a set-password link."""
    form = InviteUserForm()
    if not form.validate_on_submit():
        flash(_("The invitation was not sent: see the form below."), "error")
        return _users_page(400, form)
    try:
        user = services.invite_user(form.email.data, form.role.data, form.name.data,
                                   current_user)
    except ServiceError as exc:
        db.session.rollback()
        form.email.errors.append(str(exc))
        flash(_("The invitation was not sent: %(reason)s", reason=exc), "error")
        return _users_page(exc.status_code, form)
    db.session.commit()
    flash(_("Invitation sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("auth.users"), code=303)


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@admin_only
def change_role(user_id: int):
    """Give someone another role (never leaving the site without an admin)."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Unknown role: choose one of %(roles)s.",
                roles=", ".join(str(ROLE_LABELS[r]) for r in ROLES)), "error")
        return _users_page(400)
    try:
        services.change_role(user, form.role.data, current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _users_page(exc.status_code)
    db.session.commit()
    flash(_("%(email)s is now %(role)s.", email=user.email, role=ROLE_LABELS[user.role]),
          "success")
    if current_user.role != "admin":
        return redirect(home_for(current_user), code=303)
    return _back_to_users()


@bp.route("/admin/users/<int:user_id>/<any(disable, enable):action>", methods=["POST"])
@admin_only
def set_disabled(user_id: int, action: str):
    """Disable an account (its sessions end at once) or enable it again."""
    user = db.get_or_404(User, user_id)
    try:
        services.set_disabled(user, action == "disable", current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _users_page(exc.status_code)
    db.session.commit()
    flash(_("%(email)s is disabled.", email=user.email) if user.disabled
          else _("%(email)s is enabled.", email=user.email), "success")
    return _back_to_users()


@bp.route("/admin/tokens", methods=["GET", "POST"])
@admin_only
def api_tokens():
    """List API tokens and create one; a new token's secret is shown on this page only."""
    form = TokenForm()
    secret = None
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            _token, secret = tokens.create_api_token(form.name.data, current_user)
        except ServiceError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
            status = exc.status_code
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
            status = 200
    response = make_response(render_template(
        "auth/tokens.html", form=form, secret=secret, tokens=tokens.list_api_tokens()), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@admin_only
def revoke_token(token_id: int):
    """Revoke a token: the API refuses it from now on."""
    token = tokens.revoke_api_token(token_id, current_user)
    db.session.commit()
    flash(_("Token “%(name)s” is revoked.", name=token.name), "success")
    return redirect(url_for("auth.api_tokens"), code=303)
