"""Rule train: SGD training of one cell, with its history and test accuracy."""

from initlab.runtime import run_job
from initlab.steps.network import train_network

run_job(
    train_network,
    snakemake.log[0],
    snakemake.config["language"],
    images_path=snakemake.input.images,
    checkpoint_path=snakemake.input.checkpoint,
    training=snakemake.params.training,
    device=snakemake.params.device,
    deterministic=snakemake.params.deterministic,
    seed=int(snakemake.wildcards.seed),
    cpu_threads=snakemake.params.cpu_threads,
    trained_checkpoint=snakemake.output.checkpoint,
    history_path=snakemake.output.history,
    test_path=snakemake.output.test,
)
