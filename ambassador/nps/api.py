"""The JSON API for survey tools: POST /api/v1/responses."""

from flask import Blueprint, abort

from ambassador.auth.access import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/responses", methods=["POST"])
@public
def post_responses():
    abort(501)


@bp.route("/openapi.json")
@public
def openapi():
    abort(501)
