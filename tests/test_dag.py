"""The DAG that `snakemake -n` plans for the lab's grid and for larger grids."""

import re

import pytest

from workflow_runner import run_workflow_command


def planned_jobs(workdir, overrides) -> dict[str, int]:
    """Return {rule: job count} from a dry run with ``overrides`` applied to the default config."""
    result = run_workflow_command(workdir, {"dataset": "digits", **overrides}, options=["--dry-run"])
    table = result.stdout.split("Job stats:")[1].split("Reasons:")[0]
    return {match[1]: int(match[2]) for match in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}


def test_default_grid_plans_lab_jobs(tmp_path):
    jobs = planned_jobs(tmp_path, {})
    assert jobs["prepare_dataset"] == 1
    assert jobs["initialise"] == 6
    assert jobs["train"] == 6
    assert jobs["measure_gradients"] == 12
    assert jobs["gradient_statistics"] == 12
    assert jobs["plot_histogram"] == 12
    assert jobs["plot_shared_axes"] == 4
    assert jobs["plot_training_curves"] == 6
    assert jobs["render_report"] == 1
    assert "download_cifar10" not in jobs


@pytest.mark.parametrize(
    ("overrides", "trainings"),
    [
        ({"seeds": [1, 2, 3]}, 18),
        ({"seeds": [1, 2], "activations": ["tanh", "relu", "gelu", "selu"], "initialisations": ["standard", "orthogonal", "lecun_normal"]}, 24),
    ],
)
def test_larger_grid_scales_jobs(tmp_path, overrides, trainings):
    jobs = planned_jobs(tmp_path, overrides)
    assert jobs["train"] == trainings
    assert jobs["measure_gradients"] == 2 * trainings
    assert jobs["plot_shared_axes"] == 2 * len(overrides.get("activations", ["tanh", "relu"])) * len(overrides["seeds"])


@pytest.mark.slow
@pytest.mark.parametrize("change", [{"language": "fr"}, {"verify_checksums": False}])
def test_unrelated_settings_rerun_nothing(reference_study, change):
    """The message language and another dataset's options cannot change a finished result, so they plan no job."""
    config = reference_study.config | change
    result = run_workflow_command(reference_study.workdir, config, options=["--dry-run"], targets=reference_study.targets)
    assert "Nothing to be done" in result.stdout + result.stderr, result.stdout[-3000:]
