"""A commune's scorecard as a PDF (``/xa/<id>/ket-qua.pdf``, linked from the scorecard page): the same commune, date,
year and criteria set as the page (``?as_of=``, ``?year=``, ``?set=``), for the same users — a commune outside the
user's scope is not found (404), as the page is not. The document is laid out by ``documents.scorecard``."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import translation
from django.views.decorators.http import require_GET

from nongthonso.assessments import selectors

from .documents import CONTENT_TYPES
from .documents.fonts import ReportFontMissing
from .documents.scorecard import build_scorecard_pdf, filename


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def scorecard_pdf(request, unit_id: int):
    unit = selectors.scorecard_unit(request.user, unit_id)  # 404 outside the user's scope
    with translation.override("vi"):  # a document: always Vietnamese, like the reports
        query = selectors.scorecard_query(request.GET)
        if query.date_error or query.year_error:  # a file is not shown with a warning beside it: say what to fix
            return _plain(400, query.date_error or query.year_error)
        card = selectors.scorecard(unit, query.as_of, year=query.year, set_code=query.set_code, user=request.user)
        missing = selectors.missing_year_message(card)
        if missing:
            return _plain(404, missing)
        try:
            content = build_scorecard_pdf(card)
        except ReportFontMissing as exc:
            return _plain(503, str(exc))
    response = HttpResponse(content, content_type=CONTENT_TYPES["pdf"])
    response["Content-Disposition"] = f'attachment; filename="{filename(card)}"'
    response["Cache-Control"] = "private, no-store"
    return response
