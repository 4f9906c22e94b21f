"""Every view declares who may see it: @public or @roles(...)."""

from functools import wraps

from flask import abort
from flask_login import current_user

from ambassador.extensions import login_manager


def public(view):
    """Mark a view as open to everyone, logged in or not."""
    view.access = ("public",)
    return view


def roles(*allowed: str):
    """Allow only logged-in users with one of these roles; others get login or 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = allowed
        return wrapped

    return decorator


staff = roles("marketer", "admin")
admin_only = roles("admin")
any_user = roles("promoter", "marketer", "admin")
