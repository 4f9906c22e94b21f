"""What the API tests share: the address, and reading back what was stored."""

from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.nps.models import Customer, Response

URL = "/api/v1/responses"


def count(model=Response) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored(email: str) -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(Response).join(Customer).where(Customer.email == email).order_by(Response.id)))


def customer(email: str) -> Customer:
    db.session.expire_all()
    return db.session.scalar(select(Customer).where(Customer.email == email))
