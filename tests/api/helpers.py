"""Calling the API in tests: a token per user, JSON requests, and checks of the one error format."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from nongthonso.api.errors import Error
from nongthonso.api.models import ApiToken

VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýÁÀẢÃẠĐ")


def token_for(user, name: str = "kiểm thử") -> str:
    return ApiToken.issue(user, name)[1]


def call(method: str, url: str, token: str | None = None, body: Any = None, client: Client | None = None,
         **headers):
    """One request to the API with ``Authorization: Bearer <token>`` (when given) and a JSON body."""
    client = client or Client()
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    elif method.upper() in ("POST", "PUT"):
        kwargs.update(data="", content_type="application/json")  # no body at all (not an empty form)
    return getattr(client, method.lower())(url, **kwargs)


def assert_error(response, status: int, code: str) -> dict:
    """The response is the API's error format with this status and machine code, and a Vietnamese message."""
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    Error.model_validate(data)  # exactly {"error": {"code", "message", "details"}}
    assert set(data) == {"error"} and set(data["error"]) == {"code", "message", "details"}
    assert data["error"]["code"] == code, data
    message = data["error"]["message"]
    assert len(message) > 20 and VIETNAMESE & set(message), message
    return data["error"]
