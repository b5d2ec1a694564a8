"""Vietnamese alphabetical order in the database, on either engine.

- PostgreSQL: names are compared with the ICU collation ``vi_icu`` (``provider = icu, locale = 'vi'``),
  created by migration ``units.0002_vi_icu_collation``: the order ICU's Vietnamese tailoring gives
  (đ after d, ă â after a, ô ơ after o, ư after u; tones only break ties; a space before any letter).
- SQLite: the stored, indexed ``sort_key`` column (``core.text.vi_sort_key``), whose plain binary order
  is the same order; ``tests/units/test_collation.py`` checks the two agree on every demo name.

Use ``vi_name_order()`` in ``order_by`` wherever units (or rows joined to a unit) are listed by name.
``Meta.ordering`` keeps ``sort_key``: it cannot depend on the engine without making migrations differ
between engines, and ``sort_key`` gives the same order.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, OrderBy
from django.db.models.functions import Collate

VI_COLLATION = "vi_icu"


def vi_name_order(prefix: str = "", *, field: str = "name", key: str = "sort_key", descending: bool = False,
                  using: str | None = None) -> OrderBy:
    """The ORDER BY expression for Vietnamese order of ``{prefix}{field}``.

    ``prefix`` is the lookup path to the unit, e.g. ``"unit__"`` for assessments or ``"parent__"``;
    ``key`` is the stored sort-key field used on engines without the ICU collation (SQLite).
    """
    vendor = connections[using or DEFAULT_DB_ALIAS].vendor
    expr = Collate(F(f"{prefix}{field}"), VI_COLLATION) if vendor == "postgresql" else F(f"{prefix}{key}")
    return expr.desc() if descending else expr.asc()
