"""Users, roles, login, invitations, password reset and API tokens."""
