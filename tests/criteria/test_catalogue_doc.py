"""docs/criteria-catalogue.md is generated from the catalogue files (``nongthonso catalogue_doc``): regenerating it
gives the committed file, and the generated tables follow the files' tags."""

import io
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nongthonso.criteria.catalogue import CATALOGUE_DIR
from nongthonso.criteria.catalogue_doc import DOC_PATH, render


def test_the_committed_document_is_what_the_catalogue_gives():
    assert DOC_PATH.read_text(encoding="utf-8") == render(), (
        "docs/criteria-catalogue.md differs from the catalogue files: run «nongthonso catalogue_doc» and commit it")


def test_the_check_option_accepts_the_committed_document():
    out = io.StringIO()
    call_command("catalogue_doc", "--check", stdout=out)
    assert "khớp với danh mục" in out.getvalue()


def _catalogue_copy(tmp_path):
    folder = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, folder)
    return folder


def test_a_changed_threshold_shows_in_the_document_and_the_check_fails_until_regenerated(tmp_path):
    # given a copy of the catalogue whose 15.4 ĐBSH row (secondary, 70) is set to 75, and the document as it was
    folder = _catalogue_copy(tmp_path)
    target = folder / "xa-ntm-2021-2025.yaml"
    text = target.read_text(encoding="utf-8")
    row = "{region: DBSH, value: 70, verified: false, provenance: secondary"
    assert text.count(row) == 1
    target.write_text(text.replace(row, row.replace("value: 70", "value: 75")), encoding="utf-8")
    doc = tmp_path / "criteria-catalogue.md"
    doc.write_text(DOC_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    # when the document is checked: it no longer matches, and the message says how to fix it
    with pytest.raises(CommandError, match="Chạy «nongthonso catalogue_doc» để sinh lại"):
        call_command("catalogue_doc", "--check", "--directory", str(folder), "--output", str(doc),
                     stdout=io.StringIO())
    # when it is regenerated: the row reads 75 and the check passes
    call_command("catalogue_doc", "--directory", str(folder), "--output", str(doc), stdout=io.StringIO())
    row = next(line for line in doc.read_text(encoding="utf-8").splitlines()
               if line.startswith("| 15.4 ") and "| DBSH |" in line)
    assert "| ≥ 75% | secondary | no |" in row
    call_command("catalogue_doc", "--check", "--directory", str(folder), "--output", str(doc), stdout=io.StringIO())


def test_the_overview_counts_each_tag_of_each_set_from_the_files():
    lines = render().splitlines()

    def overview(name):
        row = next(line for line in lines if line.startswith(f"| `{name}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        return dict(zip(("quoted", "secondary", "placeholder", "province", "verified"), map(int, cells[-5:]),
                        strict=True))

    # the NTM commune set: 7 stunting rows + 2 health-record rows + 2.1 + three TDMNPB road rows + two income rows
    assert overview("xa-ntm-2021-2025.yaml")["secondary"] == 15
    assert overview("xa-ntm-2021-2025.yaml")["quoted"] == overview("xa-ntm-2021-2025.yaml")["verified"] == 0
    # the model commune's three conditions are quoted from Decision 319, Art. 1
    assert overview("xa-ntm-kieu-mau-2021-2025.yaml") == {"quoted": 3, "secondary": 0, "placeholder": 0,
                                                          "province": 0, "verified": 3}
    # the 2026-2030 set: placeholders only
    assert overview("xa-ntm-2026-2030.yaml")["placeholder"] > 0
    assert sum(v for k, v in overview("xa-ntm-2026-2030.yaml").items() if k != "placeholder") == 0


def test_a_set_without_any_source_says_so_and_lists_its_placeholder_indicators():
    text = render()
    section = text.split("### xa-ntm-2026-2030 (version")[1].split("\n### ")[0]
    assert "No threshold row has a source: every row is a placeholder." in section
    assert "Placeholders only (37 of 37 indicators)" in section


def test_the_hand_written_notes_follow_the_generated_tables():
    text = render()
    assert text.index("## What is sourced, per set") < text.index("## Notes per set") < text.index(
        "## Sources cited by id")
    assert "/work/" not in text  # the document never points outside the repository
