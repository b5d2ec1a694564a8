"""/healthz: the trivial view — a plain-text "ok" that touches neither the database nor the session."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_says_ok_without_a_query(client, django_assert_num_queries):
    assert reverse("healthz") == "/healthz"
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]
    assert "csrftoken" not in response.cookies and "sessionid" not in response.cookies


@pytest.mark.django_db
def test_healthz_only_answers_reads(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
