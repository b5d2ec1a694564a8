"""What every page's template needs from the registry (computed only when a template asks)."""

from django.utils.functional import SimpleLazyObject

from . import registry


def menu(request) -> dict:
    """``menu``: the links of the menu entries the user sees (``core.registry.MenuEntry``), in order."""
    return {"menu": SimpleLazyObject(lambda: registry.menu(request))}
