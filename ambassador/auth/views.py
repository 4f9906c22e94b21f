"""Login, logout, password links, and the admin's pages for people and API tokens."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ambassador.auth import services, tokens
from ambassador.auth.access import admin_only, any_user, public
from ambassador.auth.forms import (
    EmptyForm,
    ForgotPasswordForm,
    InviteUserForm,
    LoginForm,
    RoleForm,
    SetPasswordForm,
    TokenForm,
)
from ambassador.auth.models import ROLES, User
from ambassador.extensions import db, limiter, login_manager
from ambassador.urls import is_safe_next
from ambassador.utils import ServiceError

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(identity: str):
    return services.load_session_user(identity)


def home_for(user) -> str:
    """Where a user lands after logging in."""
    return url_for("nps.dashboard") if user.is_staff else url_for("portal.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
@public
def login():
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("Wrong email or password.")
        else:
            db.session.commit()
            login_user(user)
            return redirect(next_url if is_safe_next(next_url) else home_for(user))
    return render_template("auth/login.html", form=form), 401 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@any_user
def logout():
    EmptyForm().validate_on_submit()
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash("If an account exists for that address, we have sent it a link to choose "
              "a new password. The link works once, for one hour.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
@public
def reset_password(token: str):
    try:
        record = services.check_password_token(token)
    except ServiceError as exc:
        return render_template("auth/link_dead.html", message=str(exc)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except ServiceError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(user)
            flash("Your password is set. Welcome!", "success")
            return redirect(home_for(user))
    return render_template("auth/reset.html", form=form, user=record.user,
                           purpose=record.purpose)


@bp.route("/admin/users")
@admin_only
def users():
    page = request.args.get("page", 1, type=int)
    query = request.args.get("q", "")[:200]
    role = request.args.get("role", "")
    pagination = services.search_users(query, role, page)
    return render_template("auth/users.html", pagination=pagination, q=query, role=role,
                           roles=ROLES, invite_form=InviteUserForm(), action_form=EmptyForm(),
                           role_form=RoleForm())


@bp.route("/admin/users/invite", methods=["POST"])
@admin_only
def invite_user():
    form = InviteUserForm()
    if not form.validate_on_submit():
        flash("Enter a valid email address and a role.", "error")
        return redirect(url_for("auth.users")), 303
    try:
        user = services.invite_user(form.email.data, form.role.data, form.name.data)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("auth.users")), 303
    db.session.commit()
    flash(f"Invitation sent to {user.email}.", "success")
    return redirect(url_for("auth.users")), 303


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@admin_only
def change_role(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(user, form.role.data, current_user)
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"{user.email} is now {user.role}.", "success")
    else:
        flash("Choose a valid role.", "error")
    return redirect(request.referrer if is_safe_next(request.referrer) else url_for("auth.users"))


@bp.route("/admin/users/<int:user_id>/<any(disable, enable):action>", methods=["POST"])
@admin_only
def set_disabled(user_id: int, action: str):
    user = _user_or_404(user_id)
    if EmptyForm().validate_on_submit():
        try:
            services.set_disabled(user, action == "disable", current_user)
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"{user.email} is {'disabled' if user.disabled else 'enabled'}.", "success")
    return redirect(url_for("auth.users"))


@bp.route("/admin/tokens", methods=["GET", "POST"])
@admin_only
def api_tokens():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            token, secret = tokens.create_api_token(form.name.data)
        except ServiceError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    return render_template("auth/tokens.html", form=form, secret=secret,
                           tokens=tokens.list_api_tokens(), action_form=EmptyForm())


@bp.route("/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@admin_only
def revoke_token(token_id: int):
    if EmptyForm().validate_on_submit():
        try:
            token = tokens.revoke_api_token(token_id)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"Token “{token.name}” is revoked.", "success")
    return redirect(url_for("auth.api_tokens"))
