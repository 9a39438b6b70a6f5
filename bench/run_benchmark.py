"""Time the whole default study, then benchmark initlab's gradient pass and training against the lab's own loops.

The study runs first: one `snakemake` run on 50,000 synthetic CIFAR-shaped images
with the lab's grid (see study_run.py). Then rounds of measurements run in this
process, on the same CIFAR-10-shaped images: float32 matrix products, the
lab-style gradient pass, initlab's gradient pass, a lab-style training epoch and
an epoch of initlab's training. The table reports the median over the rounds,
and the last line of the output is

    speedup gradient=<x> train=<y> study_minutes=<z>

with ``nan`` for the study when it was skipped. Run ``python bench/run_benchmark.py --help``.
"""

import argparse
import copy
import logging
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from initlab import matmul
from initlab.allocator import keep_freed_memory
from initlab.data.prepared import PreparedDataset, load_prepared, split_training_set
from initlab.data.synthetic import make_synthetic_arrays
from initlab.devices import describe_device, select_device, synchronise
from initlab.gradients import measure_bias_gradients
from initlab.initialisation import initialise_network
from initlab.model import build_network, linear_layers
from initlab.seeding import make_cpu_permutation, make_generator
from initlab.training import train

from command_line import parse_arguments
from lab_reference import LabImages, lab_gradient_pass, lab_training_epoch, make_loader
from machine import OTHER_LOAD_LIMIT, describe_machine, measure_linear_forward, measure_matmul, measure_with_other_load, wait_for_idle
from study_run import StudyTiming, run_study

logger = logging.getLogger("bench")

# The network's largest product, a chunk of 1000 samples through the 3072->1000 layer.
# Its speed with the faster library, PyTorch's own or oneDNN, is the ceiling.
MATMUL_SHAPE = (1000, 3072, 1000)
MATMUL_LIBRARIES = {"matmul_torch_gflops": "torch", "matmul_onednn_gflops": "onednn"}
# The training batch through the 3072->1000 layer, in both layouts: (batch, in features, out features).
TRAINING_FORWARD_SHAPE = (128, 3072, 1000)
# Follows each unreliable figure: one measured while other processes used more than
# OTHER_LOAD_LIMIT of the CPUs, or a ceiling share above 100 %.
UNRELIABLE_MARK = "*"
# The measurements as the warning line names them.
MEASUREMENT_NAMES = {
    "matmul_torch_gflops": "torch.matmul",
    "matmul_onednn_gflops": "oneDNN's matmul",
    "forward_row_major_gflops": "the row-major batch-128 forward product",
    "forward_feature_major_gflops": "the feature-major batch-128 forward product",
    "lab_gradient": "the lab-style gradient pass",
    "initlab_gradient": "initlab's gradient pass",
    "lab_training": "the lab-style training epoch",
    "initlab_training": "initlab's training epoch",
    "study": "the whole study",
}


def load_images(arguments: argparse.Namespace) -> tuple[PreparedDataset, str]:
    """Return the benchmark's dataset and its description: the prepared file that parse_arguments chose, else seeded random images."""
    if arguments.prepared is not None:
        dataset = load_prepared(arguments.prepared)
        return dataset, f"{dataset.name} from {arguments.prepared} ({len(dataset.images)} training images)"

    # The workflow's synthetic dataset with its default seed: the training images do not depend on the test count.
    images, labels, test_images, test_labels = make_synthetic_arrays(arguments.images, 1_000, seed=0)
    dataset = split_training_set("synthetic", images, labels, test_images, test_labels, 0.8, 42)
    return dataset, f"synthetic: {arguments.images} seeded random 3x32x32 uint8 images (initlab's synthetic data, seed 0)"


def count_flops(network: torch.nn.Sequential) -> dict[str, float]:
    """Return the FLOPs per sample (2 per multiply-add) of the matrix products of each benchmarked computation.

    The forward pass runs every Linear layer's product. Back-propagating to the
    hidden layers' outputs needs the input gradient of every Linear layer but the
    first. Training and the lab's gradient loop also form every weight gradient.
    Bias, activation and loss costs (a few FLOPs per unit) are left out.
    """
    products = [2 * layer.in_features * layer.out_features for layer in linear_layers(network)]
    forward = sum(products)
    input_gradients = sum(products[1:])
    weight_gradients = sum(products)
    return {
        "gradient_pass": forward + input_gradients,
        "full_backward_pass": forward + input_gradients + weight_gradients,
    }


def time_lab_gradient_pass(network, lab_images, train_indices, device, fraction, seed) -> float:
    """Return the samples/s of the lab-style gradient loop over ``fraction`` of the training split."""
    loader = make_loader(lab_images, train_indices, batch_size=10, seed=seed)
    max_batches = math.ceil(fraction * len(loader))
    _, samples, seconds = lab_gradient_pass(network, loader, device, max_batches)
    return samples / seconds


def time_initlab_gradient_pass(network, images, labels, device, seed) -> float:
    """Return the samples/s of initlab's measure_bias_gradients over the whole training split."""
    order = make_cpu_permutation(len(images), seed, "gradient_order")
    synchronise(device)
    started = time.perf_counter()
    measure_bias_gradients(network, images, labels, order, batch_size=10)
    synchronise(device)
    return len(images) / (time.perf_counter() - started)


def time_lab_training_epoch(network, lab_images, train_indices, device, seed) -> float:
    """Return the samples/s of one lab-style (Poutyne-like) training epoch of a copy of ``network``."""
    loader = make_loader(lab_images, train_indices, batch_size=128, seed=seed)
    _, _, samples, seconds = lab_training_epoch(copy.deepcopy(network), loader, device)
    return samples / seconds


def time_initlab_training_epoch(network, dataset, device, seed) -> float:
    """Return the samples/s of one epoch of initlab's train on a copy of ``network``; validation is not timed."""
    result = train(copy.deepcopy(network), dataset, device, epochs=1, batch_size=128, learning_rate=0.01, seed=seed)
    if result.diverged_epoch is not None:
        raise RuntimeError(
            f"initlab's training loss became NaN or infinite in the benchmark's epoch, so its epoch time cannot be compared; "
            f"check the images ({len(dataset.images)} of {dataset.name}) and rerun"
        )
    return len(dataset.train_indices) / result.history[0]["seconds"]


def run_rounds(arguments, dataset: PreparedDataset, device: torch.device) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Run the measurement rounds; return each measurement and the other processes' CPU share, by name, one value per round.

    Odd rounds run the measurements in reverse order, so that a slow drift of the
    machine's load does not favour the one that always comes first.
    """
    network = build_network(dataset.in_features, arguments.activation)
    initialise_network(network, "standard", None, make_generator(0, "initialisation"))
    network.to(device)

    lab_images = LabImages(dataset.images, dataset.labels)
    train_indices = dataset.train_indices
    split = torch.from_numpy(train_indices)
    images = torch.from_numpy(dataset.images)[split].to(device)
    labels = torch.from_numpy(dataset.labels)[split].to(device)

    steps = {
        "matmul_torch_gflops": lambda seed: statistics.median(measure_matmul(device, MATMUL_SHAPE, "torch") for _ in range(3)),
        "matmul_onednn_gflops": lambda seed: statistics.median(measure_matmul(device, MATMUL_SHAPE, "onednn") for _ in range(3)),
        "forward_row_major_gflops": lambda seed: statistics.median(
            measure_linear_forward(device, *TRAINING_FORWARD_SHAPE, feature_major=False) for _ in range(3)
        ),
        "forward_feature_major_gflops": lambda seed: statistics.median(
            measure_linear_forward(device, *TRAINING_FORWARD_SHAPE, feature_major=True) for _ in range(3)
        ),
        "lab_gradient": lambda seed: time_lab_gradient_pass(network, lab_images, train_indices, device, arguments.lab_gradient_fraction, seed),
        "initlab_gradient": lambda seed: time_initlab_gradient_pass(network, images, labels, device, seed),
        "lab_training": lambda seed: time_lab_training_epoch(network, lab_images, train_indices, device, seed),
        "initlab_training": lambda seed: time_initlab_training_epoch(network, dataset, device, seed),
    }
    if not matmul.runs_on_onednn(device, torch.float32):
        del steps["matmul_onednn_gflops"]
    results: dict[str, list[float]] = {name: [] for name in steps}
    other_load: dict[str, list[float]] = {name: [] for name in steps}
    for round_index in range(arguments.rounds):
        names = list(steps) if round_index % 2 == 0 else list(reversed(steps))
        for name in names:
            if arguments.idle_wait > 0:
                wait_for_idle(arguments.idle_wait)
            value, load = measure_with_other_load(steps[name], round_index)
            results[name].append(value)
            other_load[name].append(load)
            if load > OTHER_LOAD_LIMIT:
                logger.warning(
                    "round %d of %d: %s %.1f, measured while other processes used %.0f %% of the CPUs (more than %.0f %%), so the table marks it unreliable",
                    round_index + 1, arguments.rounds, name, value, 100 * load, 100 * OTHER_LOAD_LIMIT,
                )
            else:
                logger.info("round %d of %d: %s %.1f (other processes used %.0f %% of the CPUs)", round_index + 1, arguments.rounds, name, value, 100 * load)
    results["matmul_gflops"] = [max(values) for values in zip(*(results[name] for name in MATMUL_LIBRARIES if name in results))]
    return results, other_load


def ceiling_shares(results: dict[str, list[float]], flops: dict[str, float]) -> dict[str, float]:
    """Return each implementation's median share of the matmul ceiling, each round compared with that round's ceiling."""
    executed = {
        "lab_gradient": flops["full_backward_pass"],
        "initlab_gradient": flops["gradient_pass"],
        "lab_training": flops["full_backward_pass"],
        "initlab_training": flops["full_backward_pass"],
    }
    shares = {}
    for name, flops_per_sample in executed.items():
        per_round = [rate * flops_per_sample / (ceiling * 1e9) for rate, ceiling in zip(results[name], results["matmul_gflops"])]
        shares[name] = statistics.median(per_round)
    return shares


def ceiling_loaded(loaded: dict[str, float]) -> bool:
    """Return whether either matmul measurement behind the ceiling ran under other processes' load."""
    return any(name in loaded for name in MATMUL_LIBRARIES)


def find_loaded(other_load: dict[str, list[float]]) -> dict[str, float]:
    """Return the largest other load of each measurement during which other processes used more than OTHER_LOAD_LIMIT of the CPUs."""
    return {name: max(loads) for name, loads in other_load.items() if max(loads) > OTHER_LOAD_LIMIT}


def mark_if(unreliable: bool) -> str:
    """Return the mark that follows an unreliable figure, or an empty string."""
    return UNRELIABLE_MARK if unreliable else ""


def join_names(names: list[str]) -> str:
    """Join names as a sentence lists them: "a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def describe_unreliable(loaded: dict[str, float], over_ceiling: list[str]) -> str | None:
    """Return the warning line that explains the figures marked unreliable, or None when no figure is marked.

    ``loaded`` maps measurement names (keys of MEASUREMENT_NAMES) to their largest
    other load, and ``over_ceiling`` lists the computations whose ceiling share exceeds 1.
    """
    if not loaded and not over_ceiling:
        return None
    sentences = [f"warning: the figures marked {UNRELIABLE_MARK} are unreliable."]
    if loaded:
        names = [MEASUREMENT_NAMES[name] for name in MEASUREMENT_NAMES if name in loaded]
        sentences.append(
            f"Other processes used up to {100 * max(loaded.values()):.0f} % of the CPUs, more than {100 * OTHER_LOAD_LIMIT:.0f} %, "
            f"during {join_names(names)}."
        )
    if over_ceiling:
        names = [MEASUREMENT_NAMES[name] for name in over_ceiling]
        verb = "exceeds" if len(names) == 1 else "exceed"
        sentences.append(f"The ceiling share of {join_names(names)} {verb} 100 %, so the matmul ceiling was probably measured too low.")
    sentences.append("Rerun on an idle machine or with a longer --idle-wait.")
    return " ".join(sentences)


def print_kernel_table(arguments, data_description, device, flops, results, other_load, shares, loaded) -> tuple[float, float]:
    """Print the throughput table and return the median per-round speedups (gradient pass, training epoch).

    The figures of the measurements in ``loaded`` are marked unreliable. A ceiling
    share is also marked when the ceiling is in ``loaded``, or when it exceeds 1.
    """
    median = {name: statistics.median(values) for name, values in results.items()}
    gradient_speedup = statistics.median(initlab / lab for initlab, lab in zip(results["initlab_gradient"], results["lab_gradient"]))
    training_speedup = statistics.median(initlab / lab for initlab, lab in zip(results["initlab_training"], results["lab_training"]))
    ceiling_range = f"{min(results['matmul_gflops']):.1f}-{max(results['matmul_gflops']):.1f}"
    m, k, n = MATMUL_SHAPE
    if "matmul_onednn_gflops" in median:
        onednn = f"{median['matmul_onednn_gflops']:.1f} GFLOP/s{mark_if('matmul_onednn_gflops' in loaded)}"
    else:
        onednn = "not used on this device"
    rounds = f"{arguments.rounds} round" if arguments.rounds == 1 else f"{arguments.rounds} rounds"

    print()
    print(f"machine: {describe_machine(device)}")
    print(f"data: {data_description}")
    print(f"network: {arguments.activation}, {rounds}, medians shown with the range over rounds")
    print(f"float32 matmul, {m}x{k} @ {k}x{n}: torch.matmul {median['matmul_torch_gflops']:.1f} GFLOP/s{mark_if('matmul_torch_gflops' in loaded)}; "
          f"oneDNN {onednn}; ceiling, the faster per round, {median['matmul_gflops']:.1f} GFLOP/s{mark_if(ceiling_loaded(loaded))} ({ceiling_range})")
    batch, in_features, out_features = TRAINING_FORWARD_SHAPE
    row_mark = mark_if("forward_row_major_gflops" in loaded)
    feature_mark = mark_if("forward_feature_major_gflops" in loaded)
    print(f"batch-{batch} forward product of the {in_features}->{out_features} layer through initlab.matmul: row-major a @ W^T (nn.Linear's and initlab's training) "
          f"{median['forward_row_major_gflops']:.1f} GFLOP/s{row_mark}; feature-major W @ a^T "
          f"{median['forward_feature_major_gflops']:.1f} GFLOP/s{feature_mark}")
    print(f"FLOPs per sample: gradient pass (forward + back-propagation to the layer outputs) {flops['gradient_pass'] / 1e6:.1f} M; "
          f"forward + full backward (training, lab-style gradient loop) {flops['full_backward_pass'] / 1e6:.1f} M")
    print()
    header = f"{'computation':<32} {'samples/s':>11} {'range':>15} {'MFLOP/sample':>13} {'ceiling share':>15} {'max other load':>15}"
    print(header)
    print("-" * len(header))
    rows = [
        ("lab_gradient", "gradient pass, lab-style loop", flops["full_backward_pass"]),
        ("initlab_gradient", "gradient pass, initlab", flops["gradient_pass"]),
        ("lab_training", "training epoch, lab-style loop", flops["full_backward_pass"]),
        ("initlab_training", "training epoch, initlab", flops["full_backward_pass"]),
    ]
    for name, label, flops_per_sample in rows:
        values = results[name]
        value_range = f"{min(values):.0f}-{max(values):.0f}"
        load = 100 * max(other_load[name])
        rate_mark = mark_if(name in loaded)
        share_mark = mark_if(name in loaded or ceiling_loaded(loaded) or shares[name] > 1.0)
        print(f"{label:<32} {median[name]:>10.0f}{rate_mark:1} {value_range:>15} {flops_per_sample / 1e6:>13.1f} "
              f"{100 * shares[name]:>13.1f}%{share_mark:1} {load:>14.0f}%")
    print("(max other load: the largest share of the machine's CPUs that other processes used during one round of the measurement)")
    if loaded or any(share > 1.0 for share in shares.values()):
        print(f"({UNRELIABLE_MARK} unreliable: measured while other processes used more than {100 * OTHER_LOAD_LIMIT:.0f} % of the CPUs in some round; "
              "a ceiling share is also unreliable when the ceiling is, or when it exceeds 100 %)")
    if arguments.lab_gradient_fraction < 1.0:
        print(f"(the lab-style gradient pass ran {100 * arguments.lab_gradient_fraction:.0f}% of the training split per round)")
    print()
    gradient_mark = mark_if("lab_gradient" in loaded or "initlab_gradient" in loaded)
    training_mark = mark_if("lab_training" in loaded or "initlab_training" in loaded)
    print(f"speedup of initlab, median of per-round ratios: gradient pass {gradient_speedup:.2f}x{gradient_mark}, "
          f"training epoch {training_speedup:.2f}x{training_mark}")
    return gradient_speedup, training_speedup


def print_study_table(study: StudyTiming, other_load: float) -> None:
    """Print where the whole study's wall-clock time went, and its peak memory.

    The wall clock is marked unreliable when ``other_load`` exceeds OTHER_LOAD_LIMIT.
    """
    wall_mark = mark_if(other_load > OTHER_LOAD_LIMIT)
    print()
    print(f"whole study: {study.jobs} jobs in {study.workdir}; other processes used {100 * other_load:.0f} % of the CPUs meanwhile")
    print(f"  wall clock                               {study.wall_seconds / 60:8.2f} min{wall_mark}")
    print(f"  inside the jobs' compute (union)         {study.compute_seconds / 60:8.2f} min")
    for rule, seconds in sorted(study.rule_compute_seconds.items(), key=lambda item: -item[1]):
        print(f"    {rule:<38} {seconds:8.1f} s")
    print(f"  Snakemake + process start-up             {100 * study.outside_compute_share:8.1f} % of wall clock")
    print(f"    job start-up and exit (imports, script preamble) {100 * study.start_up_share:5.1f} %")
    print(f"    Snakemake alone (no job process running)         {100 * study.snakemake_share:5.1f} %")
    print(f"  peak max_rss of a job (Snakemake)        {study.peak_job_rss_mib:8.0f} MiB  ({study.peak_job})")
    print(f"  peak RSS of any process (kernel)         {study.peak_process_rss_mib:8.0f} MiB  (Snakemake's own process included)")


def time_study(arguments) -> tuple[StudyTiming, float]:
    """Run the whole default study (or the small one of --quick); return its timing and the other processes' CPU share."""
    train_images, test_images, epochs = (2_000, 500, 1) if arguments.quick else (50_000, 10_000, None)
    cores = arguments.cores or len(os.sched_getaffinity(0))
    if arguments.idle_wait > 0:
        wait_for_idle(arguments.idle_wait)
    if arguments.study_dir is not None:
        return measure_with_other_load(run_study, arguments.study_dir, cores, train_images, test_images, epochs)
    with tempfile.TemporaryDirectory(prefix="initlab-study-") as folder:
        return measure_with_other_load(run_study, Path(folder), cores, train_images, test_images, epochs)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its tables; the last line carries the speedups and the study's minutes."""
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("initlab").setLevel(logging.WARNING)

    # The workflow's jobs use these settings: CUDA when present, deterministic algorithms,
    # and malloc keeping freed memory (for the lab-style loops as well).
    device = select_device("auto", deterministic=True)
    keep_freed_memory()
    logger.info("device: %s", describe_device(device))

    # The study runs first, while this process is small: the kernel's peak RSS of a
    # child process counts the memory it shared with this process between fork and exec.
    study = None
    if not arguments.skip_study:
        study, study_other_load = time_study(arguments)

    dataset, data_description = load_images(arguments)
    logger.info("data: %s", data_description)
    flops = count_flops(build_network(dataset.in_features, arguments.activation))
    results, other_load = run_rounds(arguments, dataset, device)
    shares = ceiling_shares(results, flops)
    loaded = find_loaded(other_load)
    over_ceiling = [name for name, share in shares.items() if share > 1.0]

    gradient_speedup, training_speedup = print_kernel_table(arguments, data_description, device, flops, results, other_load, shares, loaded)
    study_minutes = float("nan")
    if study is not None:
        print_study_table(study, study_other_load)
        study_minutes = study.wall_seconds / 60
        if study_other_load > OTHER_LOAD_LIMIT:
            loaded["study"] = study_other_load

    warning = describe_unreliable(loaded, over_ceiling)
    if warning is not None:
        print()
        print(warning)
    print(f"speedup gradient={gradient_speedup:.2f} train={training_speedup:.2f} study_minutes={study_minutes:.2f}", flush=True)


if __name__ == "__main__":
    main()
