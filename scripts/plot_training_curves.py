"""Rule plot_training_curves: accuracy and loss per epoch, in each language."""

from initlab.runtime import run_job
from initlab.steps.figures import plot_training_curves

run_job(
    plot_training_curves,
    snakemake.log[0],
    snakemake.config["language"],
    history_path=snakemake.input.history,
    test_path=snakemake.input.test,
    activation=snakemake.wildcards.activation,
    initialisation=snakemake.wildcards.initialisation,
    translations_dir=snakemake.params.translations,
    outputs={"en": snakemake.output.en, "fr": snakemake.output.fr},
)
