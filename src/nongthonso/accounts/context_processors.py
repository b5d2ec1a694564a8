"""What every page's menu needs to know about the user's roles (computed only when a template asks)."""

from django.utils.functional import SimpleLazyObject

from .services import may_hand_over


def roles(request) -> dict:
    """``may_hand_over``: the user is a province office (or superuser), so the menu offers the role handover page."""
    return {"may_hand_over": SimpleLazyObject(lambda: may_hand_over(getattr(request, "user", None)))}
