"""Programme targets the summary compares the counts with, held as data with provenance
(``reports/data/programme-targets.yaml``), never as constants in code.

Each programme has its legal basis, the dates it applies to, a ``verified`` flag (false while the figures come
from press summaries rather than the official text) and targets: a share of the communes holding a level by a year.
``progress(as_of, communes_total, held)`` sets each target of the programmes in force on the summary's date beside
the share actually reached, computed from the summary's own counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from nongthonso.criteria.choices import Level

TARGETS_FILE = Path(__file__).resolve().parent / "data" / "programme-targets.yaml"

@dataclass(frozen=True)
class Target:
    code: str
    level: str
    of: str  # "communes": a share of all communes of the unit reported on; "ntm": of the NTM communes
    share: float
    by_year: int
    approximate: bool
    text: str
    text_en: str


@dataclass(frozen=True)
class Programme:
    code: str
    name: str
    legal_basis: str
    applies_from: dt.date
    applies_to: dt.date | None
    verified: bool
    source: str
    targets: tuple[Target, ...]

    def applies_on(self, date: dt.date) -> bool:
        return self.applies_from <= date and (self.applies_to is None or date <= self.applies_to)


@lru_cache
def programmes(path: Path = TARGETS_FILE) -> tuple[Programme, ...]:
    """The programmes of the targets file (read once per process)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    found = []
    for p in data.get("programmes", []):
        targets = tuple(Target(t["code"], Level(t["level"]).value, t.get("of", "communes"), float(t["share"]),
                               int(t["by_year"]), bool(t.get("approximate", False)), " ".join(t["text"].split()),
                               " ".join(t.get("text_en", "").split()))
                        for t in p.get("targets", []))
        found.append(Programme(p["code"], " ".join(p["name"].split()), p["legal_basis"], p["applies_from"],
                               p.get("applies_to"), bool(p.get("verified", False)), " ".join(p["source"].split()),
                               targets))
    return tuple(found)


@dataclass(frozen=True)
class TargetProgress:
    """A target of a programme in force beside the share reached (``communes`` holding the level, ``actual_pct`` of
    the communes or of the NTM communes); in the order of the summary's JSON."""

    programme: str
    legal_basis: str
    code: str
    level: str
    of: str
    target_pct: float
    by_year: int
    approximate: bool
    text: str
    text_en: str
    communes: int | None
    actual_pct: float | None
    verified: bool  # false: the figures come from press summaries, not the official text
    source: str


def progress(as_of: dt.date, communes_total: int, held: Mapping[str, int]) -> list[TargetProgress]:
    """For each target of the programmes in force on ``as_of``: the target beside the share reached, from the
    summary's counts — ``communes_total`` and the communes holding each level (``held``, by level)."""
    rows = []
    for programme in programmes():
        if not programme.applies_on(as_of):
            continue
        for t in programme.targets:
            reached = held.get(t.level)
            base = communes_total if t.of == "communes" else held.get(Level.XA_NTM)
            rows.append(TargetProgress(
                programme=programme.code, legal_basis=programme.legal_basis, code=t.code, level=t.level, of=t.of,
                target_pct=t.share, by_year=t.by_year, approximate=t.approximate, text=t.text, text_en=t.text_en,
                communes=reached,
                actual_pct=round(100 * reached / base, 1) if base and reached is not None else None,
                verified=programme.verified, source=programme.source,
            ))
    return rows


@dataclass(frozen=True)
class CompletionRule:
    """The province's own completion of the programme: the decision level that records it, its legal basis and the
    date from which it applies (before, a report says nothing of it)."""

    level: str
    legal_basis: str
    applies_from: dt.date
    verified: bool
    source: str


@lru_cache
def completion_rule(path: Path = TARGETS_FILE) -> CompletionRule | None:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")).get("province_completion")
    if not data:
        return None
    return CompletionRule(Level(data["level"]).value, data["legal_basis"], data["applies_from"],
                          bool(data.get("verified", False)), " ".join(data.get("source", "").split()))
