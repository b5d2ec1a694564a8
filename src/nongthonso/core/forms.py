"""Form helpers shared by the apps' pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from .errors import Invalid


def apply(form: forms.Form, write: Callable[[dict], Any]) -> Any:
    """``write(form.cleaned_data)`` once the form is valid; its ``Invalid`` messages go on the form's fields (those
    it has not, above the form). None when the form or the write refused."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except Invalid as invalid:
        for field, message in invalid.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return None
