"""The benchmarks' shared helpers (bench/pairs.py): a script that writes its figures into
docs/benchmarks.md must replace its own section and nothing else."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from pairs import pair_summary, write_section  # noqa: E402

DOC = """# Benchmarks

Intro.

## Autosave

Old autosave figures.

## National scale

Figures of another script.

## CCD import

Old import figures.
"""


def test_write_section_replaces_only_its_own_section(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC)
    write_section("Autosave", "New autosave figures.", doc=doc)
    text = doc.read_text()
    assert "New autosave figures." in text
    assert "Old autosave figures." not in text
    assert "## National scale\n\nFigures of another script.\n" in text
    assert "Old import figures." in text
    assert text.index("## Autosave") < text.index("## National scale")


def test_write_section_replaces_the_last_section_up_to_the_end(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC)
    write_section("CCD import", "New import figures.", doc=doc)
    assert doc.read_text().endswith("## CCD import\n\nNew import figures.\n")
    assert "Figures of another script." in doc.read_text()


def test_write_section_appends_a_section_the_doc_lacks(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC)
    write_section("Readiness PDFs", "PDF figures.", doc=doc)
    assert doc.read_text().startswith(DOC.rstrip("\n"))
    assert doc.read_text().endswith("\n\n## Readiness PDFs\n\nPDF figures.\n")


def test_the_ratio_is_the_median_of_the_pairwise_ratios_not_of_the_medians():
    summary = pair_summary([2.0, 9.0, 4.0], [1.0, 3.0, 4.0])
    assert summary["ratios"] == [2.0, 3.0, 1.0]
    assert summary["ratio"] == 2.0
    assert summary["ratio_range"] == (1.0, 3.0)
