"""The security tests reuse the route table's visitors and URL values (tests/test_route_access)."""

from tests.programs.conftest import make_program  # noqa: F401
from tests.test_route_access import clients, route_values, visitors  # noqa: F401
