"""The refusal of a value, shared by every path that writes values (``services``, ``carry``, ``imports``, the API)."""


class ValueRejected(ValueError):
    """A value that does not fit its indicator; the message (Vietnamese) says how to fix it."""
