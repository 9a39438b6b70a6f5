# The report: one self-contained HTML file per language that answers the lab's questions.


localrules:
    render_report,
    plot_spread,


rule render_report:
    input:
        description="results/{dataset}/data/dataset.json",
        gradients="results/{dataset}/summary/gradient_statistics.json",
        accuracy="results/{dataset}/summary/accuracy.json",
        figures=report_figure_files,
    output:
        en="results/{dataset}/report.en.html",
        fr="results/{dataset}/report.fr.html",
    log:
        "logs/render_report/{dataset}.log",
    benchmark:
        "benchmarks/render_report/{dataset}.tsv"
    conda:
        "../envs/initlab.yaml"
    params:
        figures=report_figures,
        config=config,
        dataset_reason=dataset_reason,
        benchmarks="benchmarks",
        templates=str(Path(workflow.basedir) / "report/templates"),
        translations=TRANSLATIONS,
        workflow_dir=workflow.basedir,
    message:
        message("job_report", dataset="{wildcards.dataset}")
    script:
        "../../scripts/render_report.py"
