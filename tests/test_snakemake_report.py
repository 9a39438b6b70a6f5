"""Snakemake's own report (``snakemake --report``) of a real small run: it builds, and its captions are written."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from small_study import ARTEFACTS, CORES, SMALL_CONFIG, run_small_study

pytestmark = pytest.mark.slow

REPORT_TIMEOUT_SECONDS = 300
# One sentence of each caption and of the landing page (report/workflow.rst), as rendered for language: en.
EXPECTED_TEXTS = (
    "Bias-gradient histogram of the tanh network with the standard initialisation, seed 0, before training.",
    "The bias-gradient histograms of every initialisation of the relu network, seed 0, after training, side by side.",
    "Training of the tanh network with the kaiming_uniform initialisation, seed 0: accuracy (top)",
    "Standard deviation of the bias gradient at each layer of the relu network (log scale)",
    "Per-layer statistics of the bias gradients: one row per (activation, initialisation, seed, phase, layer)",
    "One row per training: test accuracy and loss",
    "initlab: weight initialisation and gradient flow",
    "This run's grid: activations tanh, relu; initialisations standard, xavier_uniform, kaiming_uniform; seeds 0.",
)


@pytest.fixture(scope="module")
def report_archive(tmp_path_factory: pytest.TempPathFactory, run_workflow) -> Path:
    study = run_small_study(tmp_path_factory, run_workflow)
    archive = study / "report.zip"
    run_workflow(study, SMALL_CONFIG, cores=CORES, options=("--report", str(archive)), timeout=REPORT_TIMEOUT_SECONDS)
    return archive


@pytest.fixture(scope="module")
def report_html(report_archive: Path) -> str:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "snakemake-report.zip").write_bytes(report_archive.read_bytes())
    with zipfile.ZipFile(report_archive) as bundle:
        pages = [name for name in bundle.namelist() if name.endswith("report.html")]
        assert pages, f"report.zip contains no report.html: {bundle.namelist()[:20]}"
        return bundle.read(pages[0]).decode("utf-8")


def test_report_zip_contains_every_result(report_archive: Path) -> None:
    with zipfile.ZipFile(report_archive) as bundle:
        names = bundle.namelist()
    # Snakemake stores each file under a hashed folder, so count them: the configured language's figures only,
    # 12 histograms, 4 shared-axes figures, 6 training curves and 2 spread figures.
    assert sum(name.endswith(".en.png") for name in names) == 24
    assert not any(name.endswith(".fr.png") for name in names)
    assert sum(name.endswith(("accuracy.csv", "gradient_statistics.csv")) for name in names) == 2


@pytest.mark.parametrize("category", ["Gradient histograms", "Training curves", "Gradient spread", "Tables"])
def test_report_lists_category(report_html: str, category: str) -> None:
    assert category in report_html


@pytest.mark.parametrize("text", EXPECTED_TEXTS)
def test_report_shows_caption(report_html: str, text: str) -> None:
    # Snakemake stores captions as JSON strings inside the page, with escaped newlines and quotes.
    flattened = re.sub(r"\\n|\s+", " ", report_html).replace("\\'", "'").replace('\\"', '"')
    assert text in flattened


def test_report_has_no_placeholder_caption(report_html: str) -> None:
    assert "<p>TODO</p>" not in report_html
