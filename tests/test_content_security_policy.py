"""Content-Security-Policy (django-csp, settings.CONTENT_SECURITY_POLICY) on every HTML response: scripts and styles
from the site only, no inline code unless nonced — and no template that would need it (the browser tests check the
pages still work under the policy)."""

import re
from pathlib import Path

import pytest
from django.test import Client

TEMPLATES = sorted((Path(__file__).resolve().parents[1] / "src" / "nongthonso").glob("**/templates/**/*.html"))


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/dang-nhap/", "/bang-dieu-khien/", "/nhap-du-lieu/", "/tai-khoan/",
                                  "/admin/", "/api/docs"])
def test_every_page_carries_the_policy(path, make_user, unit_at):
    client = Client()
    client.force_login(make_user("vp.tinh.csp", "province_office", unit_at("19", "tinh"), is_staff=True,
                                 is_superuser=True))
    response = client.get(path)
    assert response.status_code == 200, path
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert policy[directive][0] == "'self'" and "'unsafe-inline'" not in policy[directive], directive
        assert "'unsafe-eval'" not in policy[directive]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]


@pytest.mark.django_db
def test_a_nonce_is_added_only_when_a_template_asks_for_one(rf):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    request = rf.get("/")
    middleware = CSPMiddleware(lambda r: HttpResponse())
    middleware.process_request(request)
    nonce = str(request.csp_nonce)
    header = middleware.process_response(request, HttpResponse())["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" in header


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p).split("src/nongthonso/")[1])
def test_no_template_holds_inline_code(template):
    """No <script> with code or <style> unless it carries the nonce, no style="…" or on…="…" attribute, and no htmx
    attribute that evaluates code (filters «[…]», hx-on, «js:» values): the policy would block them."""
    text = re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", template.read_text(), flags=re.S)
    problems = []
    for tag in re.findall(r"<script\b[^>]*>", text):
        if "src=" not in tag and 'type="application/json"' not in tag and "nonce=" not in tag:
            problems.append(tag)
    problems += [tag for tag in re.findall(r"<style\b[^>]*>", text) if "nonce=" not in tag]
    problems += re.findall(r"\sstyle=\"", text)
    problems += re.findall(r"\son[a-z]+=[\"']", text)
    problems += re.findall(r"hx-on[:-]", text)
    problems += re.findall(r"hx-trigger=\"[^\"]*\[", text)
    problems += re.findall(r"hx-(?:vals|headers)='js:", text)
    assert not problems, problems
