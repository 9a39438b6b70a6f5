"""Rule measure_gradients: per-batch bias gradients of one checkpoint."""

from initlab.runtime import run_job
from initlab.steps.gradients import measure_gradients

run_job(
    measure_gradients,
    snakemake.log[0],
    snakemake.config["language"],
    images_path=snakemake.input.images,
    checkpoint_path=snakemake.input.checkpoint,
    phase=snakemake.wildcards.phase,
    seed=int(snakemake.wildcards.seed),
    batch_size=snakemake.params.batch_size,
    device=snakemake.params.device,
    deterministic=snakemake.params.deterministic,
    cpu_threads=snakemake.params.cpu_threads,
    output=snakemake.output.gradients,
)
