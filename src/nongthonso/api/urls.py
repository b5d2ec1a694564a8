"""``/api/``: the NinjaAPI's URLs, then a catch-all so that unknown paths and methods under /api/ answer in
the API's error format too (not Django's HTML pages)."""

from functools import wraps

from django.http import HttpResponseNotAllowed
from django.urls import path, re_path

from .errors import error_response
from .main import api


def _not_found(request, rest=""):
    return error_response(404, "not_found", f"Không có đường dẫn API «{request.path}». Xem danh sách tại /api/docs "
                                            "hoặc /api/openapi.json.")


def _json_405(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            replaced = error_response(405, "method_not_allowed",
                                      f"Đường dẫn {request.path} không nhận phương thức {request.method}; dùng "
                                      f"{allowed}.")
            replaced["Allow"] = allowed
            return replaced
        return response

    return wrapper


_api_patterns, _api_app, _api_namespace = api.urls  # not «app_name»: include() would take it as this module's
for _pattern in _api_patterns:
    _pattern.callback = _json_405(_pattern.callback)

urlpatterns = [
    path("", (_api_patterns, _api_app, _api_namespace)),
    re_path(r"^(?P<rest>.*)$", _not_found),
]
