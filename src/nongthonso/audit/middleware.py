import uuid

from .context import request_context


class RequestIdMiddleware:
    """Gives every request an id and remembers the user, so audit entries can name both."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        user = getattr(request, "user", None)
        with request_context(request_id=request.id, user=user if user and user.is_authenticated else None):
            response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response
