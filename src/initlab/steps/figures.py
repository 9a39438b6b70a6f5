"""Steps of the figure rules: each draws one figure in every language of ``outputs``."""

from initlab import plotting
from initlab.jsonio import read_json
from initlab.summary import read_history
from initlab.translations import load_translations


def label_of(translations: dict, group: str, name: str) -> str:
    """Return the display name of an activation or initialisation, or ``name`` itself when it has none."""
    return translations[group].get(name, name)


def plot_histogram(statistics_path: str, activation: str, initialisation: str, phase: str, translations_dir: str, outputs: dict) -> None:
    """Draw the lab's histogram of one measurement."""
    statistics = read_json(statistics_path)
    for language, path in outputs.items():
        translations = load_translations(translations_dir, language)
        text = translations["figures"]
        title = text["cell_phase_title"].format(
            activation=label_of(translations, "activations", activation),
            initialisation=label_of(translations, "schemes", initialisation),
            phase=text[phase],
        )
        plotting.plot_lab_histogram(statistics, title, text, language, path)


def plot_shared_axes(statistics_paths: list[str], initialisations: list[str], activation: str, phase: str, translations_dir: str, outputs: dict) -> None:
    """Draw the histograms of every initialisation of one activation and phase on shared axes."""
    statistics = {name: read_json(path) for name, path in zip(initialisations, statistics_paths)}
    for language, path in outputs.items():
        translations = load_translations(translations_dir, language)
        text = translations["figures"]
        titles = {name: label_of(translations, "schemes", name) for name in initialisations}
        suptitle = text["activation_phase_title"].format(activation=label_of(translations, "activations", activation), phase=text[phase])
        plotting.plot_shared_axes(statistics, titles, suptitle, text, language, path)


def plot_training_curves(history_path: str, test_path: str, activation: str, initialisation: str, translations_dir: str, outputs: dict) -> None:
    """Draw the training curves of one training, marking it when it diverged."""
    history = read_history(history_path)
    diverged_epoch = read_json(test_path)["diverged_epoch"]
    for language, path in outputs.items():
        translations = load_translations(translations_dir, language)
        text = translations["figures"]
        title = f"{label_of(translations, 'activations', activation)}, {label_of(translations, 'schemes', initialisation)}"
        note = text["diverged"].format(epoch=diverged_epoch) if diverged_epoch is not None else None
        plotting.plot_training_curves(history, title, note, text, language, path)


def plot_spread(gradients_path: str, activation: str, initialisations: list[str], translations_dir: str, outputs: dict) -> None:
    """Draw the per-layer gradient spread of every initialisation of one activation, before and after training."""
    aggregates = read_json(gradients_path)["aggregate"]
    series: dict[str, dict] = {name: {} for name in initialisations}
    for aggregate in aggregates:
        if aggregate["activation"] != activation or aggregate["initialisation"] not in series:
            continue
        series[aggregate["initialisation"]][aggregate["phase"]] = {
            "mean": [plotting.finite_or_nan(layer["std"]["mean"]) for layer in aggregate["layers"]],
            "sd": [plotting.finite_or_nan(layer["std"]["sd"]) for layer in aggregate["layers"]],
        }
    for language, path in outputs.items():
        translations = load_translations(translations_dir, language)
        titles = {name: label_of(translations, "schemes", name) for name in initialisations}
        plotting.plot_spread(series, titles, label_of(translations, "activations", activation), translations["figures"], language, path)
