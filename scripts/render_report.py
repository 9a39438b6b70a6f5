"""Rule render_report: the HTML report in English and in French."""

from initlab.runtime import run_job
from initlab.steps.report import render_reports

run_job(
    render_reports,
    snakemake.log[0],
    snakemake.config["language"],
    dataset=snakemake.wildcards.dataset,
    description_path=snakemake.input.description,
    gradients_path=snakemake.input.gradients,
    accuracy_path=snakemake.input.accuracy,
    figures=snakemake.params.figures,
    config=snakemake.params.config,
    dataset_reason=snakemake.params.dataset_reason,
    benchmarks_dir=snakemake.params.benchmarks,
    templates_dir=snakemake.params.templates,
    translations_dir=snakemake.params.translations,
    workflow_dir=snakemake.params.workflow_dir,
    outputs={"en": snakemake.output.en, "fr": snakemake.output.fr},
)
