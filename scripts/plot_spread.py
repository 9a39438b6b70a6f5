"""Rule plot_spread: per-layer gradient spread of every initialisation, in each language."""

from initlab.runtime import run_job
from initlab.steps.figures import plot_spread

run_job(
    plot_spread,
    snakemake.log[0],
    snakemake.config["language"],
    gradients_path=snakemake.input.gradients,
    activation=snakemake.wildcards.activation,
    initialisations=snakemake.params.initialisations,
    translations_dir=snakemake.params.translations,
    outputs={"en": snakemake.output.en, "fr": snakemake.output.fr},
)
