import contextlib
import contextvars

_current: contextvars.ContextVar[dict | None] = contextvars.ContextVar("audit_context", default=None)


@contextlib.contextmanager
def request_context(**values):
    token = _current.set({**(_current.get() or {}), **values})
    try:
        yield
    finally:
        _current.reset(token)


def current() -> dict:
    return _current.get() or {}
