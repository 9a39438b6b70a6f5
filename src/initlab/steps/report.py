"""Step of the render_report rule: one self-contained HTML report per language.

The report walks through the lab in its order: setup, tanh before and after
training, ReLU, and the spread figures. It answers the seven questions from
the run's own numbers, adds a section for cells beyond the lab's grid, and
ends with the provenance. Figures are embedded as PNG data URIs.
"""

import logging
import math
import os
from pathlib import Path

import yaml

from initlab.answers import LAB_ACTIVATIONS, LAB_INITIALISATIONS, Study, mean_of, profile_of, rank_scores, write_answers
from initlab.atomic import write_text_atomic
from initlab.jsonio import read_json
from initlab.provenance import (
    dataset_reason_text,
    devices_used,
    divergence_counts,
    generation_time,
    git_state,
    initialisation_names,
    library_versions,
    read_benchmarks,
    run_warnings,
    summarise_times,
)
from initlab.report import (
    MISSING,
    counted,
    device_text,
    draw_spread_heat_map,
    format_factor,
    format_percent,
    format_points,
    format_power,
    format_statistic,
    image_data_uri,
    template_environment,
)
from initlab.translations import DECIMAL_SEPARATORS, format_number, load_translations

logger = logging.getLogger(__name__)

TEMPLATE = "report.html.j2"
PHASES = ("before", "after")
# Per-layer columns of the statistics tables, with their number format.
LAYER_COLUMNS = (
    ("std", format_power),
    ("mean_abs", format_power),
    ("p5", format_power),
    ("p95", format_power),
    ("weight_gradient_std", format_power),
    ("activation_std", format_power),
)


def render_reports(dataset, description_path, gradients_path, accuracy_path, figures, config, dataset_reason,
                   benchmarks_dir, templates_dir, translations_dir, workflow_dir, outputs) -> None:
    """Write the report of ``dataset`` in every language of ``outputs`` ({language: path}).

    ``figures`` maps each figure kind to {key: path} (see the workflow's
    report_figures); ``dataset_reason`` is the dataset choice as {key, params}
    of initlab.messages; benchmark files under ``benchmarks_dir`` give the job
    times; ``workflow_dir`` is where the git commit is read.
    """
    description = read_json(description_path)
    gradients = read_json(gradients_path)
    accuracy = read_json(accuracy_path)
    environment = template_environment(templates_dir)
    shared = {
        "versions": library_versions(),
        "git": git_state(workflow_dir),
        "times": summarise_times(read_benchmarks(benchmarks_dir, dataset, config)),
        "generated": generation_time(),
        "configuration": yaml.safe_dump(_plain(config), sort_keys=False, allow_unicode=True),
    }
    for language, path in outputs.items():
        translations = load_translations(translations_dir, language)
        context = report_context(
            language, dataset, description, gradients, accuracy, figures, config, dataset_reason, translations, shared
        )
        context["other_languages"] = [
            {
                "language": other,
                "href": os.path.relpath(other_path, start=Path(path).parent),
                "name": load_translations(translations_dir, other)["language_name"],
            }
            for other, other_path in outputs.items()
            if other != language
        ]
        write_text_atomic(path, environment.get_template(TEMPLATE).render(**context))
        logger.info("wrote the %s report to %s", language, path)


def _plain(value):
    """Return ``value`` with Snakemake's config containers turned into plain dicts and lists, for YAML."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def report_context(language, dataset, description, gradients, accuracy, figures, config, dataset_reason, translations, shared) -> dict:
    """Return everything the template needs for one language."""
    text = translations["report"]
    study = Study(gradients, accuracy)
    names = initialisation_names(config)
    activations = list(config["activations"])
    display_seed = config["seeds"][0]
    answers = {answer.number: answer for answer in write_answers(gradients, accuracy, translations, language)}
    views = {
        activation: activation_view(activation, names, display_seed, language, gradients, accuracy, figures, translations)
        for activation in activations
    }
    return {
        "language": language,
        "text": text,
        "title": text["title"].format(dataset=dataset),
        "warnings": run_warnings(description, dataset_reason, accuracy, language, translations),
        "setup": setup_view(description, config, language, translations),
        "answers": answers,
        "views": views,
        "seed_note": text["seed_note"].format(seed=display_seed, seeds=len(config["seeds"])) if len(config["seeds"]) > 1 else "",
        "spread_figures": [
            {"caption": text["spread_caption"].format(activation=_name(translations, "activations", activation)),
             "uri": _figure(figures, "spread", f"{activation}/{language}")}
            for activation in activations
        ],
        "extended": extended_view(study, config, names, language, gradients, translations),
        "extra_activations": [activation for activation in activations if activation not in LAB_ACTIVATIONS],
        "provenance": provenance_view(description, dataset, dataset_reason, accuracy, config, language, translations, shared),
    }


def _name(translations: dict, group: str, name: str) -> str:
    return translations[group].get(name, name)


def _figure(figures: dict, kind: str, key: str) -> str | None:
    """Return the figure's data URI, or None when the workflow gave no such figure or its file is missing."""
    path = figures.get(kind, {}).get(key)
    if path is None or not Path(path).is_file():
        logger.warning("figure %s %s is missing; the report shows a note in its place", kind, key)
        return None
    return image_data_uri(path)


def setup_view(description: dict, config: dict, language: str, translations: dict) -> dict:
    """Return the setup section's sentences: network, grid, training, gradient measurement and dataset."""
    text = translations["report"]["setup"]
    network = config["network"]
    names = initialisation_names(config)
    activations = config["activations"]
    seeds = config["seeds"]
    trainings = len(activations) * len(names) * len(seeds)
    shape = "×".join(str(size) for size in description.get("image_shape", []))

    def count(noun: str, number: int) -> str:
        return counted(translations, noun, number, language)

    return {
        "network": text["network"].format(
            features=description.get("in_features", "?"),
            shape=shape,
            hidden=count("hidden_layer", network["hidden_layers"]),
            width=network["width"],
            activations=", ".join(_name(translations, "activations", activation) for activation in activations),
        ),
        "grid": text["grid"].format(
            activations=count("activation", len(activations)),
            initialisations=count("initialisation", len(names)),
            seeds=count("seed", len(seeds)),
            trainings=count("training", trainings),
            measurements=count("measurement", 2 * trainings),
            names=", ".join(_name(translations, "schemes", name) for name in names),
        ),
        "training": text["training"].format(
            learning_rate=f"{config['training']['learning_rate']:g}".replace(".", DECIMAL_SEPARATORS[language]),
            batch_size=count("image", config["training"]["batch_size"]),
            epochs=count("epoch", config["training"]["epochs"]),
        ),
        "gradients": text["gradients"].format(
            batch_size=count("training_image", config["gradients"]["batch_size"]),
            layers=count("first_layers", network["hidden_layers"]),
            bins=config["gradients"]["histogram_bins"],
        ),
        "dataset": text["dataset"].format(
            name=description.get("name", "?"),
            train=description.get("train_images", "?"),
            validation=description.get("validation_images", "?"),
            test=description.get("test_images", "?"),
            shape=shape,
            fraction=format_number(config["split"]["train_fraction"], language, 2),
            seed=config["split"]["seed"],
        ),
        "reading": text["reading"].format(last=network["hidden_layers"]),
    }


def activation_view(activation, names, seed, language, gradients, accuracy, figures, translations) -> dict:
    """Return one activation's figures and tables: histograms, shared axes and statistics per phase, curves, accuracy."""
    text = translations["report"]
    activation_name = _name(translations, "activations", activation)
    aggregates = {(item["initialisation"], item["phase"]): item for item in gradients.get("aggregate", []) if item["activation"] == activation}
    phases = {}
    for phase in PHASES:
        phase_name = translations["figures"][phase]
        phases[phase] = {
            "histograms": [
                {
                    "caption": text["histogram_caption"].format(activation=activation_name, initialisation=_name(translations, "schemes", name), phase=phase_name),
                    "uri": _figure(figures, "histograms", f"{activation}/{name}/{seed}/{phase}/{language}"),
                }
                for name in names
            ],
            "shared_axes": {
                "caption": text["shared_axes_caption"].format(activation=activation_name, phase=phase_name),
                "uri": _figure(figures, "shared_axes", f"{activation}/{seed}/{phase}/{language}"),
            },
            "statistics": statistics_rows(aggregates, names, phase, language, translations),
        }
    return {
        "name": activation_name,
        "phases": phases,
        "curves": [
            {
                "caption": text["curves_caption"].format(activation=activation_name, initialisation=_name(translations, "schemes", name)),
                "uri": _figure(figures, "curves", f"{activation}/{name}/{seed}/{language}"),
            }
            for name in names
        ],
        "accuracy": accuracy_rows(accuracy, activation, names, language, translations),
    }


def statistics_rows(aggregates: dict, names: list[str], phase: str, language: str, translations: dict) -> list[dict]:
    """Return the per-layer statistics table of one activation and phase: one group of rows per initialisation."""
    groups = []
    for name in names:
        aggregate = aggregates.get((name, phase))
        if aggregate is None:
            continue
        layers = [
            {
                "layer": layer["layer"],
                **{column: format_statistic(layer[column], formatter, language) for column, formatter in LAYER_COLUMNS},
                "zero_fraction": format_statistic(_scaled(layer["zero_fraction"], 100), format_percent, language),
            }
            for layer in aggregate["layers"]
        ]
        # The answers' ratio: the printed stds of the last layer and layer 1 divided, with the per-seed ratios' sd.
        profile = profile_of(aggregate)
        groups.append(
            {
                "initialisation": _name(translations, "schemes", name),
                "spread_ratio": format_statistic({"mean": profile.ratio, "sd": profile.ratio_sd}, format_factor, language),
                "layers": layers,
            }
        )
    return groups


def _scaled(statistic: dict, factor: float) -> dict:
    """Return an over-seed record with mean and sd multiplied by ``factor`` (fractions to percent)."""
    scaled = dict(statistic)
    for key in ("mean", "sd"):
        if scaled.get(key) is not None:
            scaled[key] = scaled[key] * factor
    return scaled


def accuracy_rows(accuracy: dict, activation: str, names: list[str], language: str, translations: dict) -> list[dict]:
    """Return the test-accuracy table of one activation, one row per initialisation, diverged trainings marked."""
    text = translations["report"]
    aggregates = {item["initialisation"]: item for item in accuracy.get("aggregate", []) if item["activation"] == activation}
    rows = []
    for name in names:
        aggregate = aggregates.get(name)
        if aggregate is None:
            continue
        status = ""
        if aggregate.get("diverged"):
            status = text["diverged_status"].format(**divergence_counts(aggregate, translations, language))
        rows.append(
            {
                "initialisation": _name(translations, "schemes", name),
                "test_acc": format_statistic(aggregate["test_acc"], format_percent, language),
                "final_acc": format_statistic(aggregate["final_acc"], format_percent, language),
                "final_val_acc": format_statistic(aggregate["final_val_acc"], format_percent, language),
                "test_loss": format_statistic(aggregate["test_loss"], format_factor, language),
                "seeds": aggregate.get("seeds", 1),
                "status": status,
                "diverged": bool(aggregate.get("diverged")),
            }
        )
    return rows


def is_extended_grid(config: dict, names: list[str]) -> bool:
    """Return whether the config goes beyond the lab's grid: other activations or initialisations, or several seeds."""
    extra_activations = set(config["activations"]) - set(LAB_ACTIVATIONS)
    extra_initialisations = set(names) - set(LAB_INITIALISATIONS)
    custom = [entry for entry in config["initialisations"] if isinstance(entry, dict)]
    return bool(extra_activations or extra_initialisations or custom or len(config["seeds"]) > 1)


def extended_view(study: Study, config: dict, names: list[str], language: str, gradients: dict, translations: dict) -> dict | None:
    """Return the extended grid's ranking table and spread heat map, or None for the lab's own grid."""
    if not is_extended_grid(config, names):
        return None
    text = translations["report"]["extended"]
    scores = [study.scores[key] for key in ((activation, name) for activation in config["activations"] for name in names) if key in study.scores]
    ranking = rank_scores(scores)
    rows = []
    for row in ranking:
        score = row.score
        rows.append(
            {
                "rank": f"{row.rank}{text['tie_mark'] if row.tied or any(other.tied and other.rank == row.rank for other in ranking) else ''}",
                "activation": _name(translations, "activations", score.activation),
                "initialisation": _name(translations, "schemes", score.initialisation),
                "test_acc": format_percent(score.mean, language),
                "sd": format_points(score.sd, language) if math.isfinite(score.sd) else MISSING,
                "seeds": score.finished,
                "status": "",
            }
        )
    for score in scores:
        if score.ranked:
            continue
        rows.append(
            {
                "rank": MISSING,
                "activation": _name(translations, "activations", score.activation),
                "initialisation": _name(translations, "schemes", score.initialisation),
                "test_acc": format_percent(score.mean, language) if score.finished else MISSING,
                "sd": format_points(score.sd, language) if score.finished > 1 and math.isfinite(score.sd) else MISSING,
                "seeds": score.finished,
                "status": translations["report"]["diverged_status"].format(
                    **divergence_counts(
                        {"diverged": score.diverged, "seeds": score.seeds, "diverged_epochs": score.diverged_epochs}, translations, language
                    )
                ),
            }
        )

    heat_rows = []
    for activation in config["activations"]:
        for name in names:
            row = {"label": f"{_name(translations, 'activations', activation)}, {_name(translations, 'schemes', name)}"}
            for phase in PHASES:
                aggregate = study.gradients.get((activation, name, phase))
                row[phase] = [mean_of(layer["std"]) for layer in aggregate["layers"]] if aggregate else []
            heat_rows.append(row)
    heat_map = None
    if any(row["before"] or row["after"] for row in heat_rows):
        heat_map = draw_spread_heat_map(heat_rows, text["heat_map_title"], {**translations["figures"], **text}, language)

    any_tie = any(row.tied for row in ranking)
    if study.seed_count <= 1:
        tie_note = text["ties_one_seed"]
    else:
        tie_note = text["ties_found"] if any_tie else text["ties_none"]
    return {"rows": rows, "tie_note": tie_note, "heat_map": heat_map}


def provenance_view(description, dataset, dataset_reason, accuracy, config, language, translations, shared) -> dict:
    """Return the provenance section: data, configuration, seeds, devices, versions, commit, date and times."""
    text = translations["report"]
    git = shared["git"]
    if git.problem == "not_checkout":
        commit = text["provenance"]["not_checkout"]
    elif git.problem == "no_commit":
        commit = text["provenance"]["no_commit"]
    elif git.problem == "git_failed":
        commit = text["provenance"]["git_failed"].format(detail=git.detail)
    else:
        commit = git.commit
    times = shared["times"]
    return {
        "dataset": dataset,
        "reason": dataset_reason_text(dataset_reason, language),
        "source": description.get("source", MISSING),
        "sha256": description.get("sha256", MISSING),
        "verified": verified_text(description, text["provenance"]),
        "configuration": shared["configuration"],
        "seeds": ", ".join(str(seed) for seed in config["seeds"]),
        "devices": [device_text(device, translations, language) for device in devices_used(accuracy)] or [MISSING],
        "versions": shared["versions"],
        "commit": commit,
        "dirty": git.dirty,
        "generated": shared["generated"],
        "total_seconds": _seconds(times["total_seconds"], language),
        "elapsed_seconds": _seconds(times["elapsed_seconds"], language),
        "rules": [
            {"rule": entry["rule"], "jobs": entry["jobs"], "seconds": _seconds(entry["seconds"], language), "longest": _seconds(entry["longest"], language)}
            for entry in times["rules"]
        ],
        "jobs": [{"rule": job.rule, "job": job.job, "seconds": _seconds(job.seconds, language)} for job in times["jobs"]],
    }


def verified_text(description: dict, labels: dict) -> str:
    """Return whether the data passed the official checksums: yes, no, or not applicable when ``verified`` is None.

    The data step writes None for datasets without official checksums (digits, synthetic).
    """
    verified = description.get("verified")
    if verified is None:
        return labels["verified_none"]
    return labels["verified_yes"] if verified else labels["verified_no"]


def _seconds(value: float, language: str) -> str:
    return format_number(value, language, 1)
