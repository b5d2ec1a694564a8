"""The two refusals every app's services raise, so that pages, the API and imports answer them alike.

- :class:`Invalid` — what was given does not fit: ``errors`` maps each field to a Vietnamese message saying how to
  fix it (a page puts them on its form's fields, the API answers 422 with them, an import names the row);
- :class:`Refused` — the user may not do this (``code`` «role»: 403), or not now (``code`` «state»: 409).
"""

from __future__ import annotations


class Invalid(ValueError):
    """What was given does not fit: ``errors`` maps each field to a Vietnamese message saying how to fix it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class Refused(Exception):
    """The user may not do this (403; ``code`` «role»), or not now (409; ``code`` «state»). Vietnamese message,
    saying who may or when."""

    def __init__(self, message: str, code: str = "role"):
        super().__init__(message)
        self.message = message
        self.code = code
