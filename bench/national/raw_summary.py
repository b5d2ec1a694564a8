"""The baseline of the summary benchmark: the same figures as ``reports.services.summary``, in hand-written SQL.

What a database engineer would write for one report, run through the same Django connection as the app (no
ORM): ten statements, each an aggregate in the database, in the form each engine runs best: a province's units
by a range of ``path`` on SQLite (where ``LIKE`` cannot use the index) and by ``LIKE`` on PostgreSQL (which has a
pattern index), no test at all for the whole country; starting from the smaller table (``CROSS JOIN`` fixes the
order on SQLite). A unit's status on a date comes from its latest decision per level (``NOT EXISTS`` a later
one); a commune's criteria from its latest assessment, a subquery per commune on the assessment table alone
(the sets of the level are ranked once, before the timing). The merger rule (a unit formed by a merger holds
its predecessors' lowest level, provisionally) is not written out: the baseline only looks the candidates up,
and ``check`` fails if there are any (the synthetic country has no lineage events; the Thái Nguyên demo has).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

LEVELS = ("xa_ntm", "xa_ntm_nang_cao", "xa_ntm_kieu_mau")
DISTRICT_LEVELS = ("huyen_ntm", "hoan_thanh_nhiem_vu")
BELOW = 10

_LATER = """NOT EXISTS (SELECT 1 FROM recognition_decision_units l2
    JOIN recognition_decision d2 ON d2.id = l2.decision_id
    WHERE l2.unit_id = l.unit_id AND d2.level = d.level AND d2.date <= %(as_of)s
      AND (d2.date > d.date OR (d2.date = d.date AND d2.id > d.id)))"""

_UNITS = "units_unit u JOIN units_unittype t ON t.id = u.unit_type_id JOIN units_unitlevel lv ON lv.id = t.level_id"


def _units_of(column: str) -> str:
    return (f"JOIN units_unit u ON u.id = {column} JOIN units_unittype t ON t.id = u.unit_type_id "
            "JOIN units_unitlevel lv ON lv.id = t.level_id")


def _set_rank() -> tuple[str, str]:
    """The ids of the commune NTM sets and an ORDER BY term ranking them (latest version, then latest in force,
    first), read once: a commune's latest assessment is then found in the assessment table alone."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, version, effective_from FROM criteria_criteriaset WHERE level = 'xa_ntm' "
                       "ORDER BY version DESC, effective_from DESC")
        rows = cursor.fetchall()
    ranks, keys = {}, []
    for pk, *key in rows:
        if not keys or keys[-1] != key:
            keys.append(key)
        ranks[pk] = len(keys)
    ids = ", ".join(str(pk) for pk in ranks) or "0"
    when = " ".join(f"WHEN {pk} THEN {rank}" for pk, rank in ranks.items())
    return ids, (f"CASE a.criteria_set_id {when} END" if len(keys) > 1 else "a.criteria_set_id")


def _statements(vendor: str, national: bool) -> dict[str, str]:
    if national:
        path = ""
    elif vendor == "sqlite":
        path = " AND u.path >= %(path)s AND u.path < %(path_end)s AND u.id <> %(root)s"
    else:
        path = " AND u.path LIKE %(path_like)s AND u.id <> %(root)s"
    scope = f"u.valid_from <= %(as_of)s AND (u.valid_to IS NULL OR u.valid_to >= %(as_of)s){path}"
    set_ids, set_rank = _set_rank()
    rural = f"{scope} AND t.is_rural"
    return {
        "communes": f"SELECT COUNT(*) FROM {_UNITS} WHERE {rural}",
        "statuses": f"""SELECT
              COUNT(DISTINCT CASE WHEN d.level IN ('xa_ntm', 'xa_ntm_nang_cao', 'xa_ntm_kieu_mau') THEN l.unit_id END),
              COUNT(DISTINCT CASE WHEN d.level IN ('xa_ntm_nang_cao', 'xa_ntm_kieu_mau') THEN l.unit_id END),
              COUNT(DISTINCT CASE WHEN d.level = 'xa_ntm_kieu_mau' THEN l.unit_id END)
            FROM recognition_decision_units l JOIN recognition_decision d ON d.id = l.decision_id
            {_units_of('l.unit_id')}
            WHERE {rural} AND d.date <= %(as_of)s AND d.kind = 'recognition'
              AND d.level IN ('xa_ntm', 'xa_ntm_nang_cao', 'xa_ntm_kieu_mau') AND {_LATER}""",
        "merged": f"""SELECT COUNT(*) FROM units_lineageevent e CROSS JOIN units_lineageevent_successors s
            CROSS JOIN units_unit u CROSS JOIN units_unittype t
            WHERE s.lineageevent_id = e.id AND u.id = s.unit_id AND t.id = u.unit_type_id AND {rural}
              AND e.kind = 'merge' AND e.effective_date = u.valid_from AND e.effective_date <= %(as_of)s""",
        "hamlets": f"""SELECT COUNT(DISTINCT l.unit_id)
            FROM recognition_decision_units l JOIN recognition_decision d ON d.id = l.decision_id
            {_units_of('l.unit_id')}
            WHERE {scope} AND lv.code = 'xom' AND d.date <= %(as_of)s AND d.kind = 'recognition'
              AND d.level = 'xom_ntm_kieu_mau' AND {_LATER}""",
        "criteria": f"""SELECT met, COUNT(*) FROM (
              SELECT (SELECT a.criteria_met FROM assessments_assessment a
                      WHERE a.unit_id = u.id AND a.year <= %(year)s AND a.criteria_set_id IN ({set_ids})
                      ORDER BY a.year DESC, {set_rank}, a.id DESC LIMIT 1) AS met
              FROM {_UNITS} WHERE {rural}) per_unit
            WHERE met IS NOT NULL GROUP BY met""",
        "decisions": f"""SELECT
              COUNT(DISTINCT CASE WHEN d.kind = 'recognition' AND d.level = 'xa_ntm' THEN l.unit_id END),
              COUNT(DISTINCT CASE WHEN d.kind = 'recognition' AND d.level = 'xa_ntm_nang_cao' THEN l.unit_id END),
              COUNT(DISTINCT CASE WHEN d.kind = 'recognition' AND d.level = 'xa_ntm_kieu_mau' THEN l.unit_id END),
              COUNT(DISTINCT CASE WHEN d.kind = 'revocation' THEN l.unit_id END)
            FROM recognition_decision_units l JOIN recognition_decision d ON d.id = l.decision_id
            {_units_of('l.unit_id')}
            WHERE {rural} AND d.date >= %(start)s AND d.date <= %(as_of)s""",
        "years": f"""SELECT DISTINCT d.level, d.for_year
            FROM recognition_decision_units l JOIN recognition_decision d ON d.id = l.decision_id
            {_units_of('l.unit_id')}
            WHERE {rural} AND d.date >= %(start)s AND d.date <= %(as_of)s AND d.kind = 'recognition'
              AND d.level IN ('xa_ntm', 'xa_ntm_nang_cao', 'xa_ntm_kieu_mau') AND d.for_year IS NOT NULL""",
        "registrations": f"""SELECT r.target_level, COUNT(*) FROM recognition_registration r
            {_units_of('r.unit_id')} WHERE {rural} AND r.target_year = %(year)s GROUP BY r.target_level""",
        "completed": f"""SELECT u.name FROM {_UNITS} WHERE {scope} AND lv.code = 'huyen' AND u.id IN (
              SELECT l.unit_id FROM recognition_decision_units l JOIN recognition_decision d ON d.id = l.decision_id
              WHERE d.date <= %(as_of)s AND d.kind = 'recognition'
                AND d.level IN ('huyen_ntm', 'hoan_thanh_nhiem_vu') AND {_LATER})
            ORDER BY u.code""",
        "district_decisions": f"""SELECT d.id, d.number, d.date, d.authority, d.level, d.for_year, du.name
            FROM recognition_decision d CROSS JOIN recognition_decision_units dl CROSS JOIN units_unit du
            WHERE dl.decision_id = d.id AND du.id = dl.unit_id AND d.date >= %(start)s AND d.date <= %(as_of)s
              AND d.level IN ('huyen_ntm', 'hoan_thanh_nhiem_vu') AND EXISTS (
                SELECT 1 FROM recognition_decision_units l {_units_of('l.unit_id')}
                WHERE l.decision_id = d.id AND {scope} AND lv.code = 'huyen')
            ORDER BY d.date, d.id, dl.id""",
    }


def raw_summary(code: str, as_of: dt.date, period_start: dt.date | None = None) -> Callable[[], dict]:
    """A function running the nine statements for ``code`` ("VN": the whole country) and returning the figures
    under the summary's keys. The statements are prepared once, outside the timed function."""
    from django.db import connection, transaction

    from nongthonso.reports.services import NATIONAL, district_display_name, find_root
    from nongthonso.units.models import Unit

    root = find_root(code, as_of)
    national = code == NATIONAL
    start = period_start or dt.date(as_of.year, 1, 1)
    sqlite = connection.vendor == "sqlite"
    day = (lambda d: d.isoformat()) if sqlite else (lambda d: d)
    params = {"as_of": day(as_of), "start": day(start), "year": as_of.year, "root": root.pk, "path": root.path,
              "path_end": root.path[:-1] + "0", "path_like": root.path + "%"}
    statements = _statements(connection.vendor, national)

    def run() -> dict:
        rows = {}
        with transaction.atomic(), connection.cursor() as cursor:
            if not sqlite:  # as the app does for its subquery per commune: no JIT compilation (any statement)
                cursor.execute("SET LOCAL jit = off")
            for name, sql in statements.items():
                cursor.execute(sql, params)
                rows[name] = cursor.fetchall()
        communes = rows["communes"][0][0]
        ntm, advanced, model = rows["statuses"][0]
        dist = {int(k): n for k, n in rows["criteria"]}
        assessed = sum(dist.values())
        met_sum = sum(k * n for k, n in dist.items())
        decided = rows["decisions"][0]
        years = {level: sorted({y for lvl, y in rows["years"] if lvl == level}) for level in LEVELS}
        registrations = dict.fromkeys(LEVELS, 0) | dict(rows["registrations"])
        decisions: dict[int, dict] = {}
        for pk, number, date, authority, level, for_year, unit_name in rows["district_decisions"]:
            date = dt.date.fromisoformat(date) if isinstance(date, str) else date
            entry = decisions.setdefault(pk, {"number": number, "date": date.isoformat(), "authority": authority,
                                              "level": level, "for_year": for_year, "units": []})
            entry["units"].append(district_display_name(Unit(name=unit_name)))
        return {
            "communes_total": communes, "ntm": ntm, "ntm_pct": round(100 * ntm / communes, 1) if communes else None,
            "advanced": advanced, "model": model, "model_hamlets": rows["hamlets"][0][0],
            "merger_candidates": rows["merged"][0][0],
            "communes_assessed": assessed, "avg_criteria": round(met_sum / assessed, 1) if assessed else None,
            "criteria_met_sum": met_sum, "min_criteria": min(dist) if dist else None,
            "communes_below_10": sum(n for k, n in dist.items() if k < BELOW),
            "criteria_distribution": {str(k): dist[k] for k in sorted(dist)},
            "decisions_in_period": {level: {"communes": decided[i], "for_years": years[level]}
                                    for i, level in enumerate(LEVELS)},
            "revocations_in_period": decided[3], "registrations": registrations,
            "completed_districts": [district_display_name(Unit(name=n)) for (n,) in rows["completed"]],
            "district_decisions_in_period": list(decisions.values()),
        }

    return run


def check(figures: dict, summary: dict) -> list[str]:
    """The keys on which the baseline and the summary differ (empty: the same figures)."""
    if figures["merger_candidates"]:
        return ["merger_candidates: the baseline does not apply the merger rule"]
    return [key for key, value in figures.items() if key != "merger_candidates" and summary.get(key) != value]
