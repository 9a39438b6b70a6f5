"""The whole study, run by the real workflow on a small dataset in CIFAR-10's own layout."""

import json

import numpy as np
import pytest

from cifar_files import write_cifar10_copy
from workflow_runner import run_workflow_command

ACTIVATIONS = ["tanh", "relu"]
INITIALISATIONS = ["standard", "xavier_uniform", "kaiming_uniform"]
PHASES = ["before", "after"]
LANGUAGES = ["en", "fr"]
CELLS = [(activation, name) for activation in ACTIVATIONS for name in INITIALISATIONS]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Run the default grid for one epoch on 200 training and 40 test images; return the results folder."""
    workdir = tmp_path_factory.mktemp("study")
    write_cifar10_copy(workdir / "course-data", images_per_batch=40, test_images=40, seed=1)
    config = {"dataset": "cifar10", "data_dir": "course-data", "verify_checksums": False, "training": {"epochs": 1}}
    run = run_workflow_command(workdir, config, cores=2)
    return workdir, run


@pytest.mark.slow
def test_study_writes_every_output(study):
    workdir, run = study
    results = workdir / "results" / "cifar10"

    description = json.loads((results / "data" / "dataset.json").read_text())
    assert description["train_images"] == 160
    assert description["validation_images"] == 40
    assert description["test_images"] == 40
    assert description["verified"] is False

    for activation, name in CELLS:
        cell = f"{activation}/{name}/seed42"
        for checkpoint in ("initial", "trained"):
            assert (results / "checkpoints" / cell / f"{checkpoint}.pt").stat().st_size > 0
        history = (results / "training" / cell / "history.csv").read_text().splitlines()
        assert history[0] == "epoch,loss,acc,val_loss,val_acc,lr,seconds"
        assert len(history) == 2
        test = json.loads((results / "training" / cell / "test.json").read_text())
        assert 0 <= test["test_acc"] <= 100
        for phase in PHASES:
            with np.load(results / "gradients" / cell / f"{phase}.npz") as arrays:
                assert arrays["bias_gradients"].shape == (5, 16, 1000)
            statistics = json.loads((results / "statistics" / cell / f"{phase}.json").read_text())
            assert [layer["layer"] for layer in statistics["layers"]] == [1, 2, 3, 4, 5]
            assert all(len(layer["histogram"]["percent"]) == 100 for layer in statistics["layers"])
            for language in LANGUAGES:
                assert (results / "figures" / "histograms" / cell / f"{phase}.{language}.png").stat().st_size > 0
        for language in LANGUAGES:
            assert (results / "figures" / "curves" / f"{cell}.{language}.png").stat().st_size > 0

    for activation in ACTIVATIONS:
        for language in LANGUAGES:
            assert (results / "figures" / "spread" / f"{activation}.{language}.png").stat().st_size > 0
            for phase in PHASES:
                assert (results / "figures" / "shared_axes" / activation / "seed42" / f"{phase}.{language}.png").stat().st_size > 0

    accuracy = json.loads((results / "summary" / "accuracy.json").read_text())
    assert len(accuracy["cells"]) == 6
    gradients = json.loads((results / "summary" / "gradient_statistics.json").read_text())
    assert len(gradients["cells"]) == 12
    assert (results / "summary" / "gradient_statistics.csv").read_text().count("\n") == 1 + 12 * 5


@pytest.mark.slow
def test_every_job_leaves_log_and_benchmark(study):
    workdir, _ = study
    for rule in ("prepare_dataset", "initialise", "train", "measure_gradients", "gradient_statistics", "render_report"):
        assert any((workdir / "logs" / rule).rglob("*.log")), rule
        assert any((workdir / "benchmarks" / rule).rglob("*.tsv")), rule
    train_log = (workdir / "logs" / "train" / "cifar10" / "tanh" / "standard" / "seed42.log").read_text()
    assert "epoch 1 of 1" in train_log
    assert "cpu" in train_log
    gradient_log = (workdir / "logs" / "measure_gradients" / "cifar10" / "relu" / "xavier_uniform" / "seed42" / "after.log").read_text()
    assert "samples/s" in gradient_log


@pytest.mark.slow
def test_reports_answer_the_seven_questions(study):
    workdir, run = study
    results = workdir / "results" / "cifar10"
    for language in LANGUAGES:
        html = (results / f"report.{language}.html").read_text(encoding="utf-8")
        assert "cifar" in html.lower()
        for number in range(1, 8):
            assert f'id="q{number}"' in html, (language, number)
    assert "report.en.html" in run.stderr
