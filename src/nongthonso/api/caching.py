"""Responses kept until the data changes: a GET whose body depends only on the stored data, the caller's scope and
the language is computed once per data revision (``reports.selectors.cached``: any write — audited, admin or to a
raw table the figures read — moves the revision) and served from the cache afterwards, as the dashboards are.

The body is validated against the operation's response schema and rendered by the API's renderer when it is
computed, exactly as django-ninja does for a returned dict; what is cached is the rendered JSON, so a cached answer
skips the queries, the model instances and the validation (the REST list of ``/api/assessments``: docs/performance.md,
«Read-side targets of issue 10»). The OpenAPI document still describes the schema, and the tests check the cached and
the computed answers are the same."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.utils.translation import get_language
from ninja import Schema
from ninja.renderers import JSONRenderer

from nongthonso.reports.selectors import cached


class Utf8JSONRenderer(JSONRenderer):
    """The API's renderer: Vietnamese text as UTF-8, not \\u escapes; and no NaN (invalid JSON) ever leaves the
    API."""

    json_dumps_params = {"ensure_ascii": False, "allow_nan": False}


RENDERER = Utf8JSONRenderer()
CONTENT_TYPE = f"{RENDERER.media_type}; charset={RENDERER.charset}"


def cached_page(request, schema: type[Schema], name: str, parts: tuple, compute: Callable[[], dict], *,
                keep: Callable[[], bool] | None = None) -> HttpResponse:
    """The response of ``compute()`` (a dict of ``schema``) for ``parts`` (what the body depends on besides the
    data: the caller's scope, the query's parameters), in the request's language, cached per data revision — unless
    ``keep()``, asked after computing, says ``parts`` no longer describe it (``reports.selectors.cached``)."""

    def render() -> bytes:
        body = schema.model_validate(compute()).model_dump()
        return RENDERER.render(request, body, response_status=200)

    content = cached(name, (*parts, get_language()), render, keep=keep)
    return HttpResponse(content, status=200, content_type=CONTENT_TYPE)
