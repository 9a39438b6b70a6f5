# Config validation, the dataset choice, and the helper functions that the rules use.

import sys
from pathlib import Path

from initlab.config import initialisation_specs, load_schema, validate_config
from initlab.data import cifar10
from initlab.data.choice import resolve_dataset
from initlab.errors import UserError
from initlab.messages import render_message


def stop_with(error):
    """Print a user error in the configured language and stop before any job runs."""
    language = (
        config.get("language") if config.get("language") in ("en", "fr") else "en"
    )
    print(f"initlab: {error.render(language)}", file=sys.stderr)
    sys.exit(1)


try:
    config.update(
        validate_config(
            config,
            load_schema(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"),
        )
    )
    INITIALISATIONS = initialisation_specs(config)
    DATASET = resolve_dataset(
        config["dataset"],
        config["data_dir"],
        config["download_dir"],
        prepared_cifar10=Path("results/cifar10/data/prepared.npz"),
    )
except UserError as error:
    stop_with(error)

LANGUAGE = config["language"]

# Announced when the workflow is parsed, so that a dry run shows it too; jobs that
# re-parse the workflow on a cluster stay quiet.
if workflow.is_main_process:
    print(
        f"initlab: {render_message(DATASET.reason, LANGUAGE, **DATASET.reason_params)}",
        file=sys.stderr,
    )
CIFAR10_DOWNLOAD_FOLDER = str(Path(config["download_dir"]) / cifar10.FOLDER)
LANGUAGES = ["en", "fr"]
PHASES = ["before", "after"]
TRANSLATIONS = str(Path(workflow.basedir) / "report/i18n")
CAPTIONS = Path(workflow.basedir) / "report/captions"


wildcard_constraints:
    dataset="cifar10|digits|synthetic",
    activation="|".join(config["activations"]),
    initialisation="|".join(INITIALISATIONS),
    seed=r"\d+",
    phase="before|after",


def message(key, **params):
    """Return job message ``key`` in the configured language; wildcards stay as {wildcards.x} for Snakemake."""
    return render_message(key, LANGUAGE, **params)


def grid(template, **fixed):
    """Expand ``template`` over every (activation, initialisation, seed) of the config, keeping other fields."""
    return expand(
        template,
        activation=config["activations"],
        initialisation=list(INITIALISATIONS),
        seed=config["seeds"],
        allow_missing=True,
        **fixed,
    )


def final_targets():
    """Return the study's end products for the chosen dataset: both reports and the summary tables."""
    results = f"results/{DATASET.name}"
    return [
        *expand(f"{results}/report.{{language}}.html", language=LANGUAGES),
        f"{results}/summary/gradient_statistics.csv",
        f"{results}/summary/accuracy.csv",
    ]


def cifar10_source_files(wildcards):
    """Return the CIFAR-10 files that the prepare step reads, or nothing for the other datasets."""
    if wildcards.dataset != "cifar10":
        return []
    # A target under results/cifar10 can be asked for although the config resolved to another dataset.
    folder = (
        DATASET.source
        if DATASET.name == "cifar10"
        else Path(config["data_dir"] or config["download_dir"])
    )
    return [str(folder / cifar10.FOLDER / name) for name in cifar10.FILE_NAMES]


def verify_checksums_setting(wildcards):
    """Return verify_checksums for CIFAR-10 and None otherwise, so that the setting reruns only CIFAR-10's preparation."""
    return config["verify_checksums"] if wildcards.dataset == "cifar10" else None


def synthetic_setting(wildcards):
    """Return the synthetic dataset's settings for it and None otherwise, for the same reason."""
    return config["synthetic"] if wildcards.dataset == "synthetic" else None


def checkpoint_of_phase(wildcards):
    """Return the initial checkpoint for the 'before' measurement and the trained one for 'after'."""
    name = "initial" if wildcards.phase == "before" else "trained"
    return f"results/{wildcards.dataset}/checkpoints/{wildcards.activation}/{wildcards.initialisation}/seed{wildcards.seed}/{name}.pt"


def gradient_arrays(path):
    """Mark the gradient arrays temporary when the config keeps only statistics and histograms."""
    return path if config["gradients"]["keep_arrays"] else temp(path)


def statistics_of_all_initialisations(wildcards):
    """Return the statistics of every initialisation for one activation, seed and phase."""
    return expand(
        "results/{dataset}/statistics/{activation}/{initialisation}/seed{seed}/{phase}.json",
        dataset=wildcards.dataset,
        activation=wildcards.activation,
        initialisation=list(INITIALISATIONS),
        seed=wildcards.seed,
        phase=wildcards.phase,
    )


def figure_outputs(stem, caption, category, subcategory, labels):
    """Return the named outputs {en, fr} of one figure; the configured language's PNG goes into Snakemake's report."""
    outputs = {}
    for language in LANGUAGES:
        path = f"{stem}.{language}.png"
        if language == LANGUAGE:
            path = report(
                path,
                caption=str(CAPTIONS / caption),
                category=category,
                subcategory=subcategory,
                labels=labels,
            )
        outputs[language] = path
    return outputs


def summary_cells(wildcards):
    """Return one record per (activation, initialisation, seed) with its statistics and test files, for the summary."""
    cells = []
    for activation in config["activations"]:
        for name, spec in INITIALISATIONS.items():
            for seed in config["seeds"]:
                cell = f"{activation}/{name}/seed{seed}"
                cells.append(
                    {
                        "activation": activation,
                        "initialisation": name,
                        "scheme": spec.scheme,
                        "gain": spec.gain,
                        "seed": seed,
                        "statistics": {
                            phase: f"results/{wildcards.dataset}/statistics/{cell}/{phase}.json"
                            for phase in PHASES
                        },
                        "test": f"results/{wildcards.dataset}/training/{cell}/test.json",
                        "history": f"results/{wildcards.dataset}/training/{cell}/history.csv",
                    }
                )
    return cells


def report_figures(wildcards):
    """Return every figure of the report as {kind: {key: path}}, keys joining the wildcards with "/".

    Keys: histograms "activation/initialisation/seed/phase/language", shared_axes
    "activation/seed/phase/language", curves "activation/initialisation/seed/language",
    spread "activation/language".
    """
    results = f"results/{wildcards.dataset}/figures"
    figures = {"histograms": {}, "shared_axes": {}, "curves": {}, "spread": {}}
    for activation in config["activations"]:
        for language in LANGUAGES:
            figures["spread"][
                f"{activation}/{language}"
            ] = f"{results}/spread/{activation}.{language}.png"
            for seed in config["seeds"]:
                for phase in PHASES:
                    key = f"{activation}/{seed}/{phase}/{language}"
                    figures["shared_axes"][
                        key
                    ] = f"{results}/shared_axes/{activation}/seed{seed}/{phase}.{language}.png"
                for name in INITIALISATIONS:
                    cell = f"{activation}/{name}/seed{seed}"
                    figures["curves"][
                        f"{activation}/{name}/{seed}/{language}"
                    ] = f"{results}/curves/{cell}.{language}.png"
                    for phase in PHASES:
                        key = f"{activation}/{name}/{seed}/{phase}/{language}"
                        figures["histograms"][
                            key
                        ] = f"{results}/histograms/{cell}/{phase}.{language}.png"
    return figures


def report_figure_files(wildcards):
    """Return the paths of every figure of the report, as the render_report rule's input."""
    return [
        path for kind in report_figures(wildcards).values() for path in kind.values()
    ]


def dataset_reason(wildcards):
    """Return the dataset choice's message key and parameters when the report is for the chosen dataset."""
    if wildcards.dataset != DATASET.name:
        return {"key": "dataset_requested", "params": {"dataset": wildcards.dataset}}
    return {
        "key": DATASET.reason,
        "params": {key: str(value) for key, value in DATASET.reason_params.items()},
    }


def initialisation_gain(wildcards):
    """Return the configured gain setting of the wildcard's initialisation."""
    return INITIALISATIONS[wildcards.initialisation].gain


def initialisation_scheme(wildcards):
    """Return the scheme of the wildcard's initialisation."""
    return INITIALISATIONS[wildcards.initialisation].scheme


onsuccess:
    reports = [
        Path(path).resolve() for path in final_targets() if path.endswith(".html")
    ]
    if all(report.exists() for report in reports):
        print(
            f"initlab: {render_message(DATASET.reason, LANGUAGE, **DATASET.reason_params)}",
            file=sys.stderr,
        )
        listing = ", ".join(map(str, reports))
        print(
            f"initlab: {render_message('run_finished', LANGUAGE, reports=listing)}",
            file=sys.stderr,
        )


onerror:
    print(f"initlab: {render_message('run_failed', LANGUAGE)}", file=sys.stderr)
