"""The OCOP points engine on hand-made sheets: bands at their edges, minimum requirements, the bonus cap, missing
member scores (unknown, never zero), the council's mean, sheets that do not compile, and the engine's freedom from
Django (its import-linter contract)."""

from __future__ import annotations

import math
import re
from copy import deepcopy
from pathlib import Path

import numpy as np
import pytest
import yaml

from nongthonso.ocop import engine

SHEETS = Path(engine.__file__).resolve().parent / "catalogue" / "sheets"

# A small sheet by hand: A 40 (a1 30 + a2 10, bonus 5), B 25, C 35 (c1 gates 3★ at 5 points).
SPEC = {
    "code": "kiem-thu", "council_rule": "mean", "total_points": 100,
    "parts": [
        {"code": "A", "max_points": 40, "criteria": [
            {"code": "a1", "max_points": 30}, {"code": "a2", "max_points": 10},
            {"code": "ab", "max_points": 5, "bonus": True}]},
        {"code": "B", "max_points": 25, "criteria": [{"code": "b1", "max_points": 25}]},
        {"code": "C", "max_points": 35, "criteria": [
            {"code": "c1", "max_points": 10, "minimum_points": 5, "minimum_stars": 3},
            {"code": "c2", "max_points": 25}]},
    ],
    "bands": [{"stars": s, "min_points": m} for s, m in ((5, 90), (4, 70), (3, 50), (2, 30), (1, 0))],
}


@pytest.fixture(scope="module")
def sheet() -> engine.CompiledSheet:
    return engine.compile_sheet(SPEC)


def _points(a1=30, a2=10, ab=0, b1=25, c1=10, c2=25):
    return {"a1": a1, "a2": a2, "ab": ab, "b1": b1, "c1": c1, "c2": c2}


@pytest.mark.parametrize(("total_points", "stars"), [
    (90, 5), (89.99, 4), (70, 4), (69.99, 3), (50, 3), (49.99, 2), (30, 2), (29.99, 1), (0, 1)])
def test_bands_at_their_edges(sheet, total_points, stars):
    left = total_points
    points = {"ab": 0}
    for code in ("c1", "a1", "a2", "b1", "c2"):  # c1 first: its minimum requirement met whenever possible
        points[code] = min(left, float(sheet.max_points[sheet.index(code)]))
        left = round(left - points[code], 2)
    result = engine.score_one(sheet, points)
    assert result.complete and math.isclose(result.total, total_points)
    assert result.stars == stars


def test_parts_and_total(sheet):
    result = engine.score_one(sheet, _points(a1=20, a2=5.5, b1=12.25, c1=7, c2=18))
    assert result.parts == {"A": 25.5, "B": 12.25, "C": 25.0}
    assert result.total == 62.75 and result.stars == 3 and result.gates_failed == []


def test_a_minimum_requirement_caps_the_stars_below_its_level(sheet):
    result = engine.score_one(sheet, _points(c1=4.99, ab=5))
    assert result.total == 99.99 and result.band_stars == 5
    assert result.stars == 2  # below 3★: the gate is for 3★ and more
    assert [g["criterion"] for g in result.gates_failed] == ["c1"]
    met = engine.score_one(sheet, _points(c1=5))
    assert met.stars == 5 and met.gates_failed == []


def test_the_bonus_adds_to_the_total_capped_at_the_sheet_total(sheet):
    below = engine.score_one(sheet, _points(a1=25, ab=3))
    assert below.total == 98 and below.parts["A"] == 38
    capped = engine.score_one(sheet, _points(ab=5))
    assert capped.total == 100 and capped.parts["A"] == 45  # the part shows the bonus, the total is capped


def test_a_missing_point_is_unknown_never_zero(sheet):
    result = engine.score_one(sheet, {k: v for k, v in _points().items() if k != "b1"})
    assert not result.complete and result.total is None and result.stars is None
    assert result.missing == ["b1"] and result.known_total == 75


def test_the_council_score_is_the_mean_of_the_members_who_scored(sheet):
    members = [_points(a1=30), _points(a1=20), _points(a1=25)]
    result = engine.score_one(sheet, member_points=members)
    assert result.points["a1"] == 25 and result.total == 95 and result.complete
    members[2] = {k: v for k, v in members[2].items() if k != "a1"}
    partial = engine.score_one(sheet, member_points=members)
    assert partial.points["a1"] == 25  # (30 + 20) / 2: the missing point is not a zero …
    assert not partial.complete and partial.stars is None  # … and the evaluation waits for it


def test_council_points_over_a_batch():
    nan = math.nan
    member_points = np.array([[[1, 2], [3, nan]], [[nan, nan], [nan, 4]]], dtype=float)
    council = engine.council_points(member_points, "mean")
    assert council[0].tolist() == [2, 2] and math.isnan(council[1, 0]) and council[1, 1] == 4
    assert engine.members_complete(member_points).tolist() == [False, False]
    assert engine.members_complete(member_points[:, :1], None).tolist() == [True, False]
    seated = np.array([[True, False], [False, True]])
    assert engine.members_complete(member_points, seated).tolist() == [True, False]
    with pytest.raises(engine.SheetError, match="trung_vi"):
        engine.council_points(member_points, "trung_vi")


def test_points_out_of_range_are_flagged_and_get_no_stars(sheet):
    result = engine.score_one(sheet, _points(a2=11))
    assert result.out_of_range == ["a2"] and result.stars is None
    batch = engine.score_batch(sheet, np.array([[30, 10, 0, 25, 10, -1], [30, 10, 0, 25, 10, 25]], dtype=float))
    assert batch.out_of_range.any(axis=1).tolist() == [True, False]
    assert batch.stars.tolist() == [0, 5]


def test_batch_and_one_agree(sheet):
    rng = np.random.default_rng(7)
    points = rng.uniform(0, 1, (200, sheet.n_criteria)) * sheet.max_points
    points[::17, 3] = np.nan
    batch = engine.score_batch(sheet, points)
    for i in range(0, 200, 13):
        one = engine.score_one(sheet, points[i])
        assert one.stars == (int(batch.stars[i]) if batch.complete[i] else None)
        assert one.known_total == batch.known_totals[i]


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s["parts"][0]["criteria"][0].update(max_points=29), "cộng lại 39 điểm, khác điểm tối đa 40"),
    (lambda s: s.update(total_points=90), "các phần cộng lại 100 điểm, khác tổng điểm tối đa 90"),
    (lambda s: s["parts"][2]["criteria"][0].update(minimum_points=11), "tiêu chí «c1»: điểm tối thiểu 11"),
    (lambda s: s["parts"][2]["criteria"][0].pop("minimum_stars"), "cần cả «minimum_points»"),
    (lambda s: s["bands"][1].update(min_points=95), "ngưỡng của hạng 4 sao (95 điểm) phải thấp hơn"),
    (lambda s: s["parts"][1]["criteria"].append({"code": "a1", "max_points": 1}), "tiêu chí «a1»: mỗi tiêu chí"),
    (lambda s: s.update(council_rule="trung_vi"), "cách tính điểm hội đồng «trung_vi»"),
    (lambda s: s["parts"][1]["criteria"][0].update(max_points="hai lăm"), "phải là một số"),
])
def test_a_sheet_that_does_not_add_up_is_refused_saying_where(change, message):
    spec = deepcopy(SPEC)
    change(spec)
    with pytest.raises(engine.SheetError, match=re.escape(message)):
        engine.compile_sheet(spec)


@pytest.mark.parametrize(("name", "parts"), [("qd-148-2023.yaml", (40, 25, 35)), ("qd-1048-2019.yaml", (35, 25, 40))])
def test_the_shipped_sheets_compile_with_their_parts(name, parts):
    compiled = engine.compile_sheet(yaml.safe_load((SHEETS / name).read_text(encoding="utf-8")))
    assert tuple(compiled.part_max.tolist()) == parts
    assert compiled.n_criteria >= 20 and compiled.gate_stars.tolist() == [3]
    full = engine.score_one(compiled, dict(zip(compiled.criterion_codes, compiled.max_points.tolist(), strict=True)))
    assert full.total == 100 and full.stars == 5


def test_the_148_sheet_has_a_bonus_for_women_and_ethnic_minorities():
    compiled = engine.compile_sheet(yaml.safe_load((SHEETS / "qd-148-2023.yaml").read_text(encoding="utf-8")))
    bonus = [name for name, is_bonus in zip(compiled.criterion_names, compiled.bonus, strict=True) if is_bonus]
    assert bonus and "phụ nữ" in bonus[0] and "dân tộc thiểu số" in bonus[0]


def test_the_engine_imports_nothing_from_django():
    """The contract of pyproject.toml holds, and breaks when the engine imports Django, directly or through a module
    of the project that does."""
    from copy import deepcopy as copy_graph

    import grimp
    from importlinter.api import read_configuration
    from importlinter.contracts.forbidden import ForbiddenContract

    root = Path(__file__).resolve().parents[2]
    config = read_configuration(str(root / "pyproject.toml"))
    options = next(o for o in config["contracts_options"] if o["id"] == "ocop-engine")
    contract = ForbiddenContract(name=options["name"], session_options=config["session_options"],
                                 contract_options=options)
    graph = grimp.build_graph("nongthonso", include_external_packages=True, cache_dir=None)
    assert contract.check(copy_graph(graph), verbose=False).kept
    for imported in ("django.db", "nongthonso.ocop.models"):
        changed = copy_graph(graph)
        changed.add_import(importer="nongthonso.ocop.engine", imported=imported, line_number=1,
                           line_contents=f"import {imported}")
        assert not contract.check(changed, verbose=False).kept
