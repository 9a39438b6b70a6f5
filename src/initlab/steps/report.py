"""Step of the render_report rule (being written): the HTML report in each language."""

from initlab.atomic import write_text_atomic


def render_reports(dataset, description_path, gradients_path, accuracy_path, figures, config, dataset_reason,
                   benchmarks_dir, templates_dir, translations_dir, workflow_dir, outputs) -> None:
    # TODO: replaced by the real report renderer; this only lets the DAG run while it is written.
    for language, path in outputs.items():
        write_text_atomic(path, f"<html><body>initlab report ({language}) for {dataset}</body></html>\n")
