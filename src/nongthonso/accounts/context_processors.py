"""What every page's menu needs to know about the user's roles (computed only when a template asks)."""

from django.utils.functional import SimpleLazyObject

from .services import may_hand_over


def roles(request) -> dict:
    """``may_hand_over``, ``may_manage_accounts``: the user is a province office (or superuser), so the menu offers
    the role handover and accounts pages."""
    allowed = SimpleLazyObject(lambda: may_hand_over(getattr(request, "user", None)))
    return {"may_hand_over": allowed, "may_manage_accounts": allowed}
