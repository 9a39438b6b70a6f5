"""Disk use: file sizes follow from the array shapes, and keep_arrays: false leaves no gradient arrays.

The sizes of a full CIFAR-10 run (50,000 training and 10,000 test images, the lab's
network and grid) are computed from the same formulas that the small reference run
checks against its real files. The troubleshooting page states these figures.
"""

import pytest

MB = 1_000_000
LAYERS = 5
WIDTH = 1000
# Parameters of the lab's network: 3072->1000, four 1000->1000, 1000->10, with biases.
LAB_PARAMETERS = (3072 * 1000 + 1000) + 4 * (1000 * 1000 + 1000) + (1000 * 10 + 10)
# An .npz is a zip of .npy files; each entry adds a header of a few hundred bytes at most.
FORMAT_OVERHEAD_BYTES = 16 * 1024


def gradient_file_bytes(batches: int, layers: int = LAYERS, width: int = WIDTH) -> int:
    """Return the array bytes of one gradient measurement (initlab.gradients.GradientMeasurement)."""
    bias_gradients = layers * batches * width * 4  # float32
    weight_gradient_sums = 2 * layers * batches * 8  # sum and sum of squares, float64
    batch_sizes = batches * 8
    per_layer = 5 * layers * 8  # activation sums, zeros, counts; weight counts
    return bias_gradients + weight_gradient_sums + batch_sizes + per_layer + 8


def prepared_file_bytes(train_images: int, test_images: int, pixels: int = 3 * 32 * 32) -> int:
    """Return the array bytes of the prepared dataset: uint8 images, int64 labels and split indices."""
    return (train_images + test_images) * pixels + (train_images + test_images) * 8 + train_images * 8


def checkpoint_bytes(parameters: int = LAB_PARAMETERS) -> int:
    """Return the float32 bytes of one checkpoint's weights and biases."""
    return parameters * 4


def full_cifar10_run_bytes(keep_arrays: bool) -> int:
    """Return the bytes of a full CIFAR-10 run's arrays: 6 cells, 12 checkpoints, 12 measurements of 4,000 batches."""
    cells = 2 * 3
    gradient_batches = 40_000 // 10
    total = prepared_file_bytes(50_000, 10_000) + 2 * cells * checkpoint_bytes()
    if keep_arrays:
        total += 2 * cells * gradient_file_bytes(gradient_batches)
    return total


def assert_size_close(path, expected: int) -> None:
    """Assert that the file at ``path`` has ``expected`` bytes plus at most the format's overhead."""
    size = path.stat().st_size
    assert expected <= size <= expected + FORMAT_OVERHEAD_BYTES, f"{path.name}: {size} bytes, expected {expected} plus headers"


@pytest.mark.slow
def test_reference_files_match_formulas(reference_study):
    results = reference_study.workdir / "results" / "synthetic"
    train_images = reference_study.config["synthetic"]["train_images"]
    test_images = reference_study.config["synthetic"]["test_images"]
    gradient_batches = int(0.8 * train_images) // 10

    assert_size_close(results / "data" / "prepared.npz", prepared_file_bytes(train_images, test_images))
    for name in ("initial", "trained"):
        checkpoint = results / "checkpoints" / "tanh" / "standard" / "seed42" / f"{name}.pt"
        assert_size_close(checkpoint, checkpoint_bytes())
    for phase in ("before", "after"):
        gradients = results / "gradients" / "tanh" / "standard" / "seed42" / f"{phase}.npz"
        assert_size_close(gradients, gradient_file_bytes(gradient_batches))


def test_full_cifar10_run_figures():
    assert gradient_file_bytes(4_000) == pytest.approx(80.35 * MB, rel=1e-3)
    assert checkpoint_bytes() == pytest.approx(28.35 * MB, rel=1e-3)
    assert prepared_file_bytes(50_000, 10_000) == pytest.approx(185.2 * MB, rel=1e-3)
    assert full_cifar10_run_bytes(keep_arrays=True) == pytest.approx(1_490 * MB, rel=1e-3)
    assert full_cifar10_run_bytes(keep_arrays=False) == pytest.approx(525.4 * MB, rel=1e-3)


@pytest.mark.slow
def test_without_arrays_keeps_statistics_and_reports(diverging_study):
    results = diverging_study.workdir / "results" / "digits"
    cells = [f"relu/{name}/seed42" for name in diverging_study.config["initialisations"]]

    assert sorted((results / "gradients").rglob("*.npz")) == []
    for cell in cells:
        for phase in ("before", "after"):
            assert (results / "statistics" / cell / f"{phase}.json").stat().st_size > 0
            for language in ("en", "fr"):
                assert (results / "figures" / "histograms" / cell / f"{phase}.{language}.png").stat().st_size > 0
    assert (results / "summary" / "gradient_statistics.csv").stat().st_size > 0
    for language in ("en", "fr"):
        assert (results / f"report.{language}.html").stat().st_size > 0
