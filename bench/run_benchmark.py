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

from initlab.data.prepared import PreparedDataset, load_prepared, split_training_set
from initlab.data.synthetic import make_synthetic_arrays
from initlab.devices import describe_device, select_device, synchronise
from initlab.gradients import measure_bias_gradients
from initlab.initialisation import initialise_network
from initlab.model import build_network, linear_layers
from initlab.seeding import make_cpu_permutation, make_generator
from initlab.training import train

from lab_reference import LabImages, lab_gradient_pass, lab_training_epoch, make_loader
from machine import describe_machine, measure_matmul, measure_with_other_load, wait_for_idle
from study_run import REPOSITORY, StudyTiming, run_study

logger = logging.getLogger("bench")

PREPARED_CIFAR10 = REPOSITORY / "results/cifar10/data/prepared.npz"
# The first is the network's largest product (a chunk of 1000 samples through the
# 3072->1000 layer) and sets the ceiling; the second is the 1000->1000 layers'.
MATMUL_SHAPES = [(1000, 3072, 1000), (1000, 1000, 1000)]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line and fill the defaults that depend on ``--quick``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quick check: 5,000 images, 2 rounds, and a study run on 2,000 images with 1 epoch")
    parser.add_argument("--skip-study", action="store_true", help="do not time the whole study with snakemake")
    parser.add_argument("--rounds", type=int, default=None, help="measurement rounds; the table shows medians (default 3, 2 with --quick)")
    parser.add_argument("--images", type=int, default=None, help="synthetic images before the 80/20 split (default 50,000; 5,000 with --quick)")
    parser.add_argument(
        "--lab-gradient-fraction",
        type=float,
        default=1.0,
        help="fraction of the training split that the lab-style gradient pass runs in each round (default 1.0, the whole pass)",
    )
    parser.add_argument(
        "--idle-wait",
        type=float,
        default=120.0,
        help="seconds to wait at most, before each measurement, for other processes to use under 15%% of the CPUs (default 120; 0 never waits)",
    )
    parser.add_argument("--activation", default="tanh", choices=["tanh", "relu"], help="activation of the benchmarked network (default tanh)")
    parser.add_argument("--prepared", type=Path, default=None, help=f"prepared .npz to read images from (default {PREPARED_CIFAR10} when it exists, else synthetic images)")
    parser.add_argument("--cores", type=int, default=None, help="--cores given to snakemake for the study run (default: every CPU this process may use)")
    parser.add_argument("--study-dir", type=Path, default=None, help="folder for the study run, kept afterwards (default: a temporary folder, deleted)")
    arguments = parser.parse_args(argv)

    if arguments.rounds is None:
        arguments.rounds = 2 if arguments.quick else 3
    if arguments.images is None:
        arguments.images = 5_000 if arguments.quick else 50_000
    if arguments.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {arguments.rounds}")
    if not 0.0 < arguments.lab_gradient_fraction <= 1.0:
        parser.error(f"--lab-gradient-fraction must be in (0, 1], got {arguments.lab_gradient_fraction}")
    return arguments


def load_images(arguments: argparse.Namespace) -> tuple[PreparedDataset, str]:
    """Return the benchmark's dataset and its description: a prepared CIFAR-10 copy if there is one, else seeded random images."""
    path = arguments.prepared or (PREPARED_CIFAR10 if PREPARED_CIFAR10.exists() else None)
    if path is not None:
        dataset = load_prepared(path)
        return dataset, f"{dataset.name} from {path} ({len(dataset.images)} training images)"

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
        "matmul_gflops": lambda seed: statistics.median(measure_matmul(device, MATMUL_SHAPES[0]) for _ in range(3)),
        "matmul_square_gflops": lambda seed: statistics.median(measure_matmul(device, MATMUL_SHAPES[1]) for _ in range(3)),
        "lab_gradient": lambda seed: time_lab_gradient_pass(network, lab_images, train_indices, device, arguments.lab_gradient_fraction, seed),
        "initlab_gradient": lambda seed: time_initlab_gradient_pass(network, images, labels, device, seed),
        "lab_training": lambda seed: time_lab_training_epoch(network, lab_images, train_indices, device, seed),
        "initlab_training": lambda seed: time_initlab_training_epoch(network, dataset, device, seed),
    }
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
            logger.info("round %d of %d: %s %.1f (other processes used %.0f %% of the CPUs)", round_index + 1, arguments.rounds, name, value, 100 * load)
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


def print_kernel_table(arguments, data_description, device, flops, results, other_load, shares) -> tuple[float, float]:
    """Print the throughput table; return the median per-round speedups (gradient pass, training epoch)."""
    median = {name: statistics.median(values) for name, values in results.items()}
    gradient_speedup = statistics.median(initlab / lab for initlab, lab in zip(results["initlab_gradient"], results["lab_gradient"]))
    training_speedup = statistics.median(initlab / lab for initlab, lab in zip(results["initlab_training"], results["lab_training"]))
    ceiling_range = f"{min(results['matmul_gflops']):.1f}-{max(results['matmul_gflops']):.1f}"
    big, square = MATMUL_SHAPES

    print()
    print(f"machine: {describe_machine(device)}")
    print(f"data: {data_description}")
    print(f"network: {arguments.activation}, {arguments.rounds} rounds, medians shown with the range over rounds")
    print(f"float32 matmul ceiling, {big[0]}x{big[1]} @ {big[1]}x{big[2]}: {median['matmul_gflops']:.1f} GFLOP/s ({ceiling_range}); "
          f"{square[0]}x{square[1]} @ {square[1]}x{square[2]}: {median['matmul_square_gflops']:.1f} GFLOP/s")
    print(f"FLOPs per sample: gradient pass (forward + back-propagation to the layer outputs) {flops['gradient_pass'] / 1e6:.1f} M; "
          f"forward + full backward (training, lab-style gradient loop) {flops['full_backward_pass'] / 1e6:.1f} M")
    print()
    header = f"{'computation':<32} {'samples/s':>10} {'range':>15} {'MFLOP/sample':>13} {'ceiling share':>14} {'other load':>11}"
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
        load = 100 * statistics.median(other_load[name])
        print(f"{label:<32} {median[name]:>10.0f} {value_range:>15} {flops_per_sample / 1e6:>13.1f} {100 * shares[name]:>13.1f}% {load:>10.0f}%")
    print("(other load: median share of the machine's CPUs that other processes used during the measurement)")
    if arguments.lab_gradient_fraction < 1.0:
        print(f"(the lab-style gradient pass ran {100 * arguments.lab_gradient_fraction:.0f}% of the training split per round)")
    print()
    print(f"speedup of initlab, median of per-round ratios: gradient pass {gradient_speedup:.2f}x, training epoch {training_speedup:.2f}x")
    return gradient_speedup, training_speedup


def print_study_table(study: StudyTiming, other_load: float) -> None:
    """Print where the whole study's wall-clock time went, and its peak memory."""
    print()
    print(f"whole study: {study.jobs} jobs in {study.workdir}; other processes used {100 * other_load:.0f} % of the CPUs meanwhile")
    print(f"  wall clock                               {study.wall_seconds / 60:8.2f} min")
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

    # The workflow's jobs use these settings: CUDA when present, deterministic algorithms.
    device = select_device("auto", deterministic=True)
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

    gradient_speedup, training_speedup = print_kernel_table(arguments, data_description, device, flops, results, other_load, shares)
    study_minutes = float("nan")
    if study is not None:
        print_study_table(study, study_other_load)
        study_minutes = study.wall_seconds / 60
    print(f"speedup gradient={gradient_speedup:.2f} train={training_speedup:.2f} study_minutes={study_minutes:.2f}", flush=True)


if __name__ == "__main__":
    main()
