"""The benchmark's command line rejects invalid values before it starts, and its output marks figures measured under load.

Two tests run bench/run_benchmark.py in a subprocess, as a user does. The others
call its functions in this process: the argument checks, the wait for an idle
machine with a simulated clock, the tables with made-up measurements, and one
real run of the throughput rounds on 20 synthetic images.
"""

import logging
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from initlab import matmul
from initlab.data.prepared import save_prepared, split_training_set
from initlab.data.synthetic import make_synthetic_arrays

REPOSITORY = Path(__file__).resolve().parent.parent
BENCHMARK = REPOSITORY / "bench" / "run_benchmark.py"
# The benchmark's modules import each other by their bare names, as `python bench/run_benchmark.py` runs them.
sys.path.insert(0, str(REPOSITORY / "bench"))

import command_line  # noqa: E402
import machine  # noqa: E402
import run_benchmark  # noqa: E402


# (case id, arguments, text the error message must contain)
INVALID_ARGUMENTS = [
    ("negative images", ["--images", "-5"], "argument --images: invalid value '-5': give a whole number of 20 or more"),
    ("too few images", ["--images", "19"], "argument --images: invalid value '19': give a whole number of 20 or more"),
    ("images not a number", ["--images", "5k"], "argument --images: invalid value '5k': give a whole number of 20 or more"),
    ("zero rounds", ["--rounds", "0"], "argument --rounds: invalid value '0': give a whole number of 1 or more"),
    ("zero cores", ["--cores", "0"], "argument --cores: invalid value '0': give a whole number of 1 or more"),
    ("fractional cores", ["--cores", "1.5"], "argument --cores: invalid value '1.5': give a whole number of 1 or more"),
    ("negative idle wait", ["--idle-wait", "-1"], "argument --idle-wait: invalid value '-1': give a finite number of seconds, 0 or more"),
    ("NaN idle wait", ["--idle-wait", "nan"], "argument --idle-wait: invalid value 'nan': give a finite number of seconds, 0 or more"),
    ("infinite idle wait", ["--idle-wait", "inf"], "argument --idle-wait: invalid value 'inf': give a finite number of seconds, 0 or more"),
    ("zero fraction", ["--lab-gradient-fraction", "0"], "argument --lab-gradient-fraction: invalid value '0': give a fraction greater than 0 and at most 1"),
    ("fraction above 1", ["--lab-gradient-fraction", "1.5"], "argument --lab-gradient-fraction: invalid value '1.5': give a fraction greater than 0 and at most 1"),
    ("NaN fraction", ["--lab-gradient-fraction", "nan"], "argument --lab-gradient-fraction: invalid value 'nan': give a fraction greater than 0 and at most 1"),
]


def parse_error(capsys, argv: list[str]) -> str:
    """Return the error message that parse_arguments prints for ``argv``, after checking that it exits with status 2."""
    with pytest.raises(SystemExit) as stopped:
        command_line.parse_arguments(argv)
    assert stopped.value.code == 2
    return capsys.readouterr().err


def write_prepared(path: Path) -> Path:
    """Write a prepared dataset of 20 synthetic images to ``path``, as the workflow's prepare_dataset rule would."""
    images, labels, test_images, test_labels = make_synthetic_arrays(20, 5, seed=0)
    save_prepared(split_training_set("synthetic", images, labels, test_images, test_labels, 0.8, 42), path)
    return path


@pytest.fixture()
def no_default_prepared(monkeypatch, tmp_path):
    """Make parse_arguments look for the default prepared CIFAR-10 file where there is none."""
    monkeypatch.setattr(command_line, "PREPARED_CIFAR10", tmp_path / "absent" / "prepared.npz")


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--images", "-5"], "argument --images: invalid value '-5': give a whole number of 20 or more"),
        (["--prepared", "/nonexistent.npz"], "--prepared /nonexistent.npz: file not found. Give a prepared.npz that the workflow wrote"),
    ],
    ids=["negative images", "missing prepared file"],
)
def test_script_rejects_invalid_argument(argv, expected):
    finished = subprocess.run([sys.executable, str(BENCHMARK), *argv], capture_output=True, text=True, timeout=120)

    assert finished.returncode == 2, finished.stderr
    assert expected in finished.stderr
    assert "Traceback" not in finished.stderr
    assert finished.stdout == ""


@pytest.mark.parametrize("case, argv, expected", INVALID_ARGUMENTS, ids=[case[0] for case in INVALID_ARGUMENTS])
def test_parse_rejects_invalid_value(capsys, no_default_prepared, case, argv, expected):
    assert expected in parse_error(capsys, argv)


def test_parse_fills_quick_defaults(no_default_prepared):
    arguments = command_line.parse_arguments(["--quick", "--idle-wait", "0", "--cores", "1", "--lab-gradient-fraction", "1"])

    assert arguments.rounds == 2
    assert arguments.images == 5_000
    assert arguments.idle_wait == 0.0
    assert arguments.cores == 1
    assert arguments.lab_gradient_fraction == 1.0
    assert arguments.prepared is None


def test_parse_accepts_prepared_file(no_default_prepared, tmp_path):
    path = write_prepared(tmp_path / "prepared.npz")

    arguments = command_line.parse_arguments(["--prepared", str(path)])

    assert arguments.prepared == path


def test_parse_rejects_invalid_prepared_files(capsys, no_default_prepared, tmp_path):
    text_file = tmp_path / "notes.npz"
    text_file.write_text("not an archive", encoding="utf-8")
    single_array = tmp_path / "single.npz"
    with open(single_array, "wb") as handle:
        np.save(handle, np.zeros(3))
    missing_arrays = tmp_path / "missing.npz"
    np.savez(missing_arrays, images=np.zeros((2, 3, 32, 32), dtype=np.uint8), labels=np.zeros(2, dtype=np.int64))
    float_images = tmp_path / "float.npz"
    arrays = dict(np.load(write_prepared(tmp_path / "valid.npz")))
    arrays["images"] = arrays["images"].astype(np.float32)
    np.savez(float_images, **arrays)

    cases = [
        (tmp_path, f"--prepared {tmp_path} is not a file"),
        (text_file, f"--prepared {text_file} is not a .npz archive"),
        (single_array, f"--prepared {single_array} is not a .npz archive"),
        (missing_arrays, f"--prepared {missing_arrays} is not a prepared initlab dataset: it lacks the arrays name, train_indices, validation_indices, test_images, test_labels"),
        (float_images, f"--prepared {float_images} is not a prepared initlab dataset: its images are float32 with shape (20, 3, 32, 32)"),
    ]
    for path, expected in cases:
        message = parse_error(capsys, ["--prepared", str(path)])
        assert expected in message, path
        assert "or leave --prepared out to use synthetic images" in message, path


def test_parse_checks_default_prepared_file(capsys, monkeypatch, tmp_path):
    default = tmp_path / "prepared.npz"
    default.write_text("not an archive", encoding="utf-8")
    monkeypatch.setattr(command_line, "PREPARED_CIFAR10", default)

    message = parse_error(capsys, [])

    assert f"the default prepared file {default} is not a .npz archive" in message
    assert "Delete it so that the workflow's prepare_dataset rule writes it again" in message


def test_parse_rejects_used_study_folder(capsys, no_default_prepared, tmp_path):
    (tmp_path / "results").mkdir()
    a_file = tmp_path / "file.txt"
    a_file.write_text("", encoding="utf-8")

    assert f"--study-dir {tmp_path} already contains results" in parse_error(capsys, ["--study-dir", str(tmp_path)])
    assert f"--study-dir {a_file} is not a folder" in parse_error(capsys, ["--study-dir", str(a_file)])
    assert command_line.parse_arguments(["--study-dir", str(tmp_path), "--skip-study"]).study_dir == tmp_path


def simulate_clock(monkeypatch, loads: list[float]) -> None:
    """Replace the clock and the load measurement of wait_for_idle: each window takes its full length and returns the next load."""
    clock = types.SimpleNamespace(now=0.0)

    def sleep(seconds):
        clock.now += seconds

    def measure(function, *arguments):
        function(*arguments)
        return None, loads.pop(0) if len(loads) > 1 else loads[0]

    monkeypatch.setattr(machine, "time", types.SimpleNamespace(monotonic=lambda: clock.now, sleep=sleep))
    monkeypatch.setattr(machine, "measure_with_other_load", measure)


def test_idle_wait_logs_every_30_seconds(monkeypatch, caplog):
    simulate_clock(monkeypatch, [0.52])

    with caplog.at_level(logging.INFO, logger="bench.machine"):
        machine.wait_for_idle(120.0)

    waiting = [record.getMessage() for record in caplog.records if record.levelno == logging.INFO]
    # 60 busy windows of 2 s: a line at 2, 32, 62 and 92 s, then the warning at 120 s.
    assert len(waiting) == 4, waiting
    assert waiting[0] == "other processes use 52 % of the CPUs, more than 15 %; waiting up to 118 s more for the machine to become idle"
    assert "waiting up to 28 s more" in waiting[-1]
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings == ["other processes still use 52 % of the CPUs after 120 s of waiting; measuring anyway"]


def test_idle_wait_logs_when_idle(monkeypatch, caplog):
    simulate_clock(monkeypatch, [0.5, 0.5, 0.01])

    with caplog.at_level(logging.INFO, logger="bench.machine"):
        machine.wait_for_idle(120.0)

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert messages[-1] == "the machine became idle after 6 s of waiting; other processes use 1 % of the CPUs"


def test_idle_wait_silent_when_idle(monkeypatch, caplog):
    simulate_clock(monkeypatch, [0.01])

    with caplog.at_level(logging.INFO, logger="bench.machine"):
        machine.wait_for_idle(120.0)

    assert caplog.records == []


def made_up_measurements(initlab_gradient_load: float, ceiling: float = 200.0):
    """Return (results, other load) of two rounds where only initlab's gradient pass ran under ``initlab_gradient_load``."""
    rates = {
        "matmul_torch_gflops": 0.5 * ceiling,
        "matmul_onednn_gflops": ceiling,
        "matmul_gflops": ceiling,
        "forward_row_major_gflops": 170.0,
        "forward_feature_major_gflops": 200.0,
        "lab_gradient": 1_300.0,
        "initlab_gradient": 7_400.0,
        "lab_training": 3_800.0,
        "initlab_training": 4_200.0,
    }
    results = {name: [rate, rate] for name, rate in rates.items()}
    other_load = {name: [0.01, 0.02] for name in rates if name != "matmul_gflops"}
    other_load["initlab_gradient"] = [0.03, initlab_gradient_load]
    return results, other_load


def print_tables(capsys, results, other_load) -> list[str]:
    """Print the kernel table and the warning line as main does; return the printed lines."""
    arguments = types.SimpleNamespace(activation="tanh", rounds=2, lab_gradient_fraction=1.0)
    flops = run_benchmark.count_flops(run_benchmark.build_network(3072, "tanh"))
    shares = run_benchmark.ceiling_shares(results, flops)
    loaded = run_benchmark.find_loaded(other_load)
    over_ceiling = [name for name, share in shares.items() if share > 1.0]
    device = run_benchmark.torch.device("cpu")

    run_benchmark.print_kernel_table(arguments, "made-up data", device, flops, results, other_load, shares, loaded)
    warning = run_benchmark.describe_unreliable(loaded, over_ceiling)
    if warning is not None:
        print(warning)
    return capsys.readouterr().out.splitlines()


def row(lines: list[str], label: str) -> str:
    """Return the table row that starts with ``label``."""
    return next(line for line in lines if line.startswith(label))


def test_table_marks_loaded_measurement(capsys):
    lines = print_tables(capsys, *made_up_measurements(initlab_gradient_load=0.52))

    initlab = row(lines, "gradient pass, initlab")
    assert "7400* " in initlab
    assert "82.1%*" in initlab
    assert initlab.endswith("52%")
    assert "*" not in row(lines, "gradient pass, lab-style loop")
    assert "*" not in row(lines, "training epoch, initlab")
    assert "gradient pass 5.69x*, training epoch 1.11x" in row(lines, "speedup of initlab")
    assert lines[-1] == (
        "warning: the figures marked * are unreliable. Other processes used up to 52 % of the CPUs, more than 15 %, "
        "during initlab's gradient pass. Rerun on an idle machine or with a longer --idle-wait."
    )


def test_table_shows_both_forward_layouts(capsys):
    lines = print_tables(capsys, *made_up_measurements(initlab_gradient_load=0.0))

    layouts = row(lines, "batch-128 forward product")
    assert "row-major a @ W^T (nn.Linear's and initlab's training) 170.0 GFLOP/s;" in layouts
    assert "feature-major W @ a^T 200.0 GFLOP/s" in layouts


def test_table_shows_both_matmul_libraries(capsys):
    lines = print_tables(capsys, *made_up_measurements(initlab_gradient_load=0.0, ceiling=400.0))

    ceiling = row(lines, "float32 matmul, 1000x3072 @ 3072x1000")
    assert "torch.matmul 200.0 GFLOP/s;" in ceiling
    assert "oneDNN 400.0 GFLOP/s;" in ceiling
    assert ceiling.endswith("ceiling, the faster per round, 400.0 GFLOP/s (400.0-400.0)")


def test_table_marks_shares_when_matmul_loaded(capsys):
    results, other_load = made_up_measurements(initlab_gradient_load=0.0)
    other_load["matmul_torch_gflops"] = [0.01, 0.40]

    lines = print_tables(capsys, results, other_load)

    assert "torch.matmul 100.0 GFLOP/s*;" in row(lines, "float32 matmul")
    assert row(lines, "float32 matmul").endswith("200.0 GFLOP/s* (200.0-200.0)")
    assert "%*" in row(lines, "gradient pass, initlab")


@pytest.mark.parametrize("library", ["torch", "onednn"])
def test_matmul_libraries_measure(library):
    if library == "onednn" and not matmul.onednn_available():
        pytest.skip("this PyTorch build has no oneDNN products on this CPU")

    assert machine.measure_matmul(run_benchmark.torch.device("cpu"), (8, 16, 4), library, repeats=2) > 0


def test_matmul_rejects_unknown_library():
    with pytest.raises(ValueError, match="library must be 'torch' or 'onednn', not 'blas'"):
        machine.measure_matmul(run_benchmark.torch.device("cpu"), (8, 16, 4), "blas", repeats=2)


def test_linear_forward_layouts_measure():
    device = run_benchmark.torch.device("cpu")

    for feature_major in (False, True):
        assert machine.measure_linear_forward(device, 4, 8, 3, feature_major, repeats=2) > 0


def test_table_marks_share_above_ceiling(capsys):
    lines = print_tables(capsys, *made_up_measurements(initlab_gradient_load=0.05, ceiling=150.0))

    initlab = row(lines, "gradient pass, initlab")
    assert "109.4%*" in initlab
    assert "7400  " in initlab
    assert "*" not in row(lines, "training epoch, lab-style loop")
    assert "101.8%*" in row(lines, "training epoch, initlab")
    assert lines[-1] == (
        "warning: the figures marked * are unreliable. The ceiling share of initlab's gradient pass and initlab's training epoch "
        "exceed 100 %, so the matmul ceiling was probably measured too low. Rerun on an idle machine or with a longer --idle-wait."
    )


def test_table_unmarked_when_idle(capsys):
    lines = print_tables(capsys, *made_up_measurements(initlab_gradient_load=0.05))

    assert not any("*" in line for line in lines)
    assert not any(line.startswith("warning") for line in lines)


def test_loaded_run_warns_before_last_line(capsys, monkeypatch, no_default_prepared):
    # A negative limit counts every measurement as loaded, so the real rounds take the warning path.
    monkeypatch.setattr(run_benchmark, "OTHER_LOAD_LIMIT", -1.0)

    run_benchmark.main(["--skip-study", "--images", "20", "--rounds", "1", "--idle-wait", "0"])

    lines = capsys.readouterr().out.splitlines()
    assert "network: tanh, 1 round, medians shown with the range over rounds" in lines
    assert lines[-2].startswith("warning: the figures marked * are unreliable. Other processes used up to")
    assert (
        "during torch.matmul, oneDNN's matmul, the row-major batch-128 forward product, "
        "the feature-major batch-128 forward product, the lab-style gradient pass"
    ) in lines[-2]
    speedup, gradient, training, minutes = lines[-1].split(" ")
    assert speedup == "speedup"
    assert gradient.startswith("gradient=")
    assert float(gradient.removeprefix("gradient=")) > 0
    assert training.startswith("train=")
    assert float(training.removeprefix("train=")) > 0
    assert minutes == "study_minutes=nan"
