"""Rule plot_histogram: the lab's histogram of one measurement, in each language."""

from initlab.runtime import run_job
from initlab.steps.figures import plot_histogram

run_job(
    plot_histogram,
    snakemake.log[0],
    snakemake.config["language"],
    statistics_path=snakemake.input.statistics,
    activation=snakemake.wildcards.activation,
    initialisation=snakemake.wildcards.initialisation,
    phase=snakemake.wildcards.phase,
    translations_dir=snakemake.params.translations,
    outputs={"en": snakemake.output.en, "fr": snakemake.output.fr},
)
