"""Marketer pages: the NPS dashboard, NPS per account, and the CSV export."""

import math

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ambassador import csvfile
from ambassador.audit import record_export
from ambassador.auth.access import staff
from ambassador.constants import TOUCHPOINTS
from ambassador.extensions import db
from ambassador.nps import charts, export, forms, scores
from ambassador.nps.actions import account_columns, dashboard_actions

bp = Blueprint("nps", __name__)

ACCOUNTS_PER_PAGE = 50
SEGMENT_LABELS = {"promoter": _l("promoter"), "passive": _l("passive"),
                  "detractor": _l("detractor")}


@bp.app_template_filter("segment_label")
def segment_label(segment: str) -> str:
    """promoter, passive, detractor in the reader's language."""
    return str(SEGMENT_LABELS.get(segment, segment))


@bp.app_template_filter("touchpoint_label")
def touchpoint_label(touchpoint: str) -> str:
    """relational, transactional in the reader's language."""
    return str(forms.TOUCHPOINT_LABELS.get(touchpoint, touchpoint))


@bp.route("/dashboard")
@staff
def dashboard():
    """NPS of a quarter with n and margin of error, its split, trend and latest comments."""
    span = scores.quarter_span()
    if span is None:
        return render_template("nps/dashboard.html", empty=True, actions=dashboard_actions())
    current = scores.current_quarter()
    companies = scores.companies()
    parsed = forms.parse_filters(request.args, current, companies)
    filters = parsed.filters
    points = scores.trend(filters)
    window = [quarter for quarter, _score in points]
    score, previous = points[-1][1], points[-2][1]
    touchpoints = scores.touchpoints_in(window)
    if filters.touchpoint and filters.touchpoint not in touchpoints:
        touchpoints.append(filters.touchpoint)
    return render_template(
        "nps/dashboard.html",
        empty=False,
        actions=dashboard_actions(),
        filters=filters,
        ignored=parsed.ignored,
        score=score,
        previous=previous,
        previous_quarter=points[-2][0],
        change=scores.change_between(score, previous),
        chart=charts.trend_chart(points, _("NPS by quarter, %(first)s to %(last)s",
                                           first=window[0], last=window[-1])),
        comments=scores.latest_comments(filters),
        companies=companies,
        touchpoints=touchpoints,
        quarters=scores.quarter_options(span, current, filters.quarter),
        current_quarter=current,
    )


@bp.route("/dashboard/accounts")
@staff
def accounts():
    """NPS per company from each person's latest answer, worst first."""
    span = scores.quarter_span()
    quarter, note = forms.parse_quarter_arg(request.args.get("quarter"), None)
    rows = scores.account_scores(quarter) if span else []
    pages = max(1, math.ceil(len(rows) / ACCOUNTS_PER_PAGE))
    page = min(forms.parse_page(request.args.get("page")), pages)
    start = (page - 1) * ACCOUNTS_PER_PAGE
    shown = rows[start:start + ACCOUNTS_PER_PAGE]
    return render_template(
        "nps/accounts.html",
        empty=span is None,
        quarter=quarter,
        ignored=[note] if note else [],
        rows=shown,
        columns=account_columns([row.company for row in shown]),
        first_rank=start + 1,
        total=len(rows),
        small=sum(1 for row in rows if row.score.small_sample),
        page=page,
        pages=pages,
        quarters=scores.quarter_options(span, scores.current_quarter(), quarter) if span else [],
    )


@bp.route("/dashboard/export.csv")
@staff
def export_csv():
    """Download the responses of the chosen quarter (or quarter=all) as the import template."""
    raw = (request.args.get("quarter") or "").strip()
    if raw.lower() == "all":
        quarter = None
    else:
        try:
            quarter = scores.checked_quarter(raw) if raw else scores.current_quarter()
        except ValueError as exc:
            abort(400, str(exc))
    company = (request.args.get("company") or "").strip() or None
    touchpoint = (request.args.get("touchpoint") or "").strip() or None
    if touchpoint and touchpoint not in TOUCHPOINTS:
        abort(400, _("Unknown touchpoint: use %(choices)s.", choices=forms.touchpoint_choices()))
    if company and ("\x00" in company or len(company) > forms.MAX_FILTER):
        abort(400, _("That is not a company name."))
    record_export(current_user, "responses", {"quarter": quarter or "all", "company": company,
                                              "touchpoint": touchpoint})
    db.session.commit()
    name = export.filename(quarter, company, touchpoint)
    rows = export.formatted(export.export_rows(quarter, company, touchpoint))
    return csvfile.csv_download(name, export.COLUMNS, rows)

