"""Rule plot_shared_axes: every initialisation's histogram on shared axes, in each language."""

from initlab.runtime import run_job
from initlab.steps.figures import plot_shared_axes

run_job(
    plot_shared_axes,
    snakemake.log[0],
    snakemake.config["language"],
    statistics_paths=list(snakemake.input.statistics),
    initialisations=snakemake.params.initialisations,
    activation=snakemake.wildcards.activation,
    phase=snakemake.wildcards.phase,
    translations_dir=snakemake.params.translations,
    outputs={"en": snakemake.output.en, "fr": snakemake.output.fr},
)
