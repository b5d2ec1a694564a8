"""The apps depend one way (docs/architecture.md, «Dependencies»): the import-linter contracts of pyproject.toml
(``[tool.importlinter]``) hold for the code, and they do break when an app imports from a layer above it, a
production app imports the demo, or the engine imports Django."""

import os
import subprocess
import sys
from copy import deepcopy
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

import nongthonso

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
SOURCES = Path(nongthonso.__file__).resolve().parent.parent  # the tree the tests import, not an installed copy


def _run_lint_imports() -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SOURCES), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
         str(PYPROJECT), "--no-cache", "--no-logo"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_apps_keep_their_contracts():
    run = _run_lint_imports()
    assert run.returncode == 0, f"lint-imports found imports against docs/architecture.md:\n{run.stdout}{run.stderr}"
    assert "0 broken" in run.stdout


@pytest.fixture(scope="module")
def config() -> dict:
    return read_configuration(str(PYPROJECT))


@pytest.fixture(scope="module")
def graph(config) -> grimp.ImportGraph:
    return grimp.build_graph(*config["session_options"]["root_packages"], include_external_packages=True,
                             cache_dir=None)


def _contract(config: dict, contract_id: str):
    options = next(o for o in config["contracts_options"] if o["id"] == contract_id)
    kind = {"layers": LayersContract, "forbidden": ForbiddenContract}[options["type"]]
    return kind(name=options["name"], session_options=config["session_options"], contract_options=options)


def _broken_by(config: dict, graph: grimp.ImportGraph, contract_id: str, importer: str, imported: str) -> list:
    """The violations the contract reports once ``importer`` imports ``imported`` (on a copy of the graph)."""
    contract = _contract(config, contract_id)
    assert contract.check(deepcopy(graph), verbose=False).kept, "the contract holds before the import is added"
    changed = deepcopy(graph)
    changed.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    check = contract.check(changed, verbose=False)
    assert not check.kept
    return check.metadata.get("invalid_dependencies") or check.metadata.get("invalid_chains")


@pytest.mark.parametrize(("importer", "imported", "lower", "higher"), [
    # recognition lies below assessments (the workflow calls recognition.decisions.record_decision)
    ("nongthonso.recognition.services", "nongthonso.assessments.services", "nongthonso.recognition",
     "nongthonso.assessments"),
    # units lies below accounts (roles are granted on units)
    ("nongthonso.units.services", "nongthonso.accounts.services", "nongthonso.units", "nongthonso.accounts"),
    # nothing in a production app imports the demo
    ("nongthonso.reports.views", "nongthonso.demo.thai_nguyen", "nongthonso.reports", "nongthonso.demo"),
    # alerts read assessments and decisions: they sit above both
    ("nongthonso.assessments.services", "nongthonso.reports.alerts", "nongthonso.assessments",
     "nongthonso.reports"),
    # core is the ground
    ("nongthonso.core.text", "nongthonso.units.models", "nongthonso.core", "nongthonso.units"),
])
def test_an_import_up_the_layers_breaks_the_contract(config, graph, importer, imported, lower, higher):
    broken = _broken_by(config, graph, "layers", importer, imported)
    assert [(d["importer"], d["imported"]) for d in broken] == [(lower, higher)]


def test_siblings_of_one_layer_do_not_import_each_other(config, graph):
    broken = _broken_by(config, graph, "layers", "nongthonso.reports.views", "nongthonso.notifications.services")
    assert [(d["importer"], d["imported"]) for d in broken] == [("nongthonso.reports", "nongthonso.notifications")]


def test_accounts_lies_below_criteria(config, graph):
    # the province office's confirmation of thresholds (criteria.confirmations) asks accounts who may confirm
    broken = _broken_by(config, graph, "layers", "nongthonso.accounts.services", "nongthonso.criteria.models")
    assert [(d["importer"], d["imported"]) for d in broken] == [("nongthonso.accounts", "nongthonso.criteria")]


def test_the_engine_importing_django_breaks_its_contract(config, graph):
    # directly, or through a module of the project that imports Django
    assert _broken_by(config, graph, "engine", "nongthonso.criteria.engine", "django.db")
    assert _broken_by(config, graph, "engine", "nongthonso.criteria.engine", "nongthonso.units.models")


def test_a_new_app_must_take_its_place_in_the_layers(config, graph):
    contract = _contract(config, "layers")
    changed = deepcopy(graph)
    changed.add_module("nongthonso.forestry")
    changed.add_import(importer="nongthonso.forestry", imported="nongthonso.units.models", line_number=1,
                       line_contents="from nongthonso.units.models import Unit")
    check = contract.check(changed, verbose=False)
    assert not check.kept
    assert check.metadata["undeclared_modules"] == {"nongthonso.forestry"}
