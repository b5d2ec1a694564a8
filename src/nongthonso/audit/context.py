import contextlib
import contextvars

_current = contextvars.ContextVar("audit_context", default={})


@contextlib.contextmanager
def request_context(**values):
    token = _current.set({**_current.get(), **values})
    try:
        yield
    finally:
        _current.reset(token)


def current() -> dict:
    return _current.get()
