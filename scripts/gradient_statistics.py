"""Rule gradient_statistics: per-layer statistics and histograms of one measurement."""

from initlab.runtime import run_job
from initlab.steps.statistics import compute_statistics

run_job(
    compute_statistics,
    snakemake.log[0],
    snakemake.config["language"],
    gradients_path=snakemake.input.gradients,
    bins=snakemake.params.bins,
    output=snakemake.output.statistics,
)
