"""Figures of the study, drawn with matplotlib's Agg backend; every text comes from the translations.

The lab's histogram draws one line per layer: x is each bin's left edge, y the
percent of the layer's non-zero values in that bin.
"""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import ScalarFormatter  # noqa: E402

from initlab.atomic import atomic_path  # noqa: E402
from initlab.translations import DECIMAL_SEPARATORS  # noqa: E402

FIGURE_DPI = 100
LAYER_COLOURS = plt.get_cmap("viridis")


class LocalisedFormatter(ScalarFormatter):
    """matplotlib's ScalarFormatter with the language's decimal separator, offset text included.

    Labels are mathtext, where a bare comma is punctuation followed by a space, so the
    comma is written "{,}" to render as a decimal separator.
    """

    def __init__(self, language: str) -> None:
        super().__init__(useMathText=True)
        separator = DECIMAL_SEPARATORS[language]
        self.separator = "{,}" if separator == "," else separator

    def __call__(self, value, position=None):
        return super().__call__(value, position).replace(".", self.separator)

    def get_offset(self):
        return super().get_offset().replace(".", self.separator)


def localise_axes(axes, language: str) -> None:
    """Use the language's decimal separator on both axes of ``axes``."""
    axes.xaxis.set_major_formatter(LocalisedFormatter(language))
    axes.yaxis.set_major_formatter(LocalisedFormatter(language))


def save_figure(figure, path: str) -> None:
    """Save ``figure`` as PNG through a temporary file and close it."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=FIGURE_DPI, format="png", bbox_inches="tight")
    plt.close(figure)


def layer_colour(index: int, count: int):
    """Return the colour of layer ``index`` (0-based) among ``count`` layers."""
    return LAYER_COLOURS(index / max(count - 1, 1) * 0.9)


def draw_histogram_lines(axes, statistics: dict, text: dict) -> None:
    """Draw one line per layer: left bin edges against percent of the kept values."""
    layers = statistics["layers"]
    for index, layer in enumerate(layers):
        edges = np.asarray(layer["histogram"]["edges"], dtype=float)
        percent = np.asarray(layer["histogram"]["percent"], dtype=float)
        label = text["layer"].format(number=layer["layer"])
        if percent.size == 0:
            label += f" ({text['no_values']})"
            axes.plot([], [], color=layer_colour(index, len(layers)), label=label)
            continue
        axes.plot(edges[:-1], percent, color=layer_colour(index, len(layers)), label=label, linewidth=1.2)


def plot_lab_histogram(statistics: dict, title: str, text: dict, language: str, path: str) -> None:
    """Draw the lab's histogram of one measurement and save it to ``path``."""
    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    draw_histogram_lines(axes, statistics, text)
    axes.set_title(title)
    axes.set_xlabel(text["gradient_value"])
    axes.set_ylabel(text["percent_of_values"])
    axes.legend(fontsize="small")
    localise_axes(axes, language)
    save_figure(figure, path)


def plot_shared_axes(statistics_by_name: dict[str, dict], titles: dict[str, str], suptitle: str, text: dict, language: str, path: str) -> None:
    """Draw the histograms of several initialisations side by side on shared x and y axes."""
    count = len(statistics_by_name)
    figure, axes_row = plt.subplots(1, count, figsize=(4.0 * count, 3.8), sharex=True, sharey=True, squeeze=False)
    for axes, (name, statistics) in zip(axes_row[0], statistics_by_name.items()):
        draw_histogram_lines(axes, statistics, text)
        axes.set_title(titles[name])
        axes.set_xlabel(text["gradient_value"])
        localise_axes(axes, language)
    axes_row[0][0].set_ylabel(text["percent_of_values"])
    axes_row[0][-1].legend(fontsize="small")
    # Above the panels' own titles, which the default position overlaps.
    figure.suptitle(suptitle, y=1.04)
    save_figure(figure, path)


def plot_training_curves(history: list[dict], title: str, note: str | None, text: dict, language: str, path: str) -> None:
    """Draw accuracy (top) and loss (bottom) per epoch, for the training and validation splits."""
    figure, (accuracy_axes, loss_axes) = plt.subplots(2, 1, figsize=(6.4, 6.0), sharex=True)
    epochs = [row["epoch"] for row in history]
    accuracy_axes.plot(epochs, [row["acc"] for row in history], marker="o", label=text["train"])
    accuracy_axes.plot(epochs, [row["val_acc"] for row in history], marker="o", label=text["validation"])
    loss_axes.plot(epochs, [row["loss"] for row in history], marker="o", label=text["train"])
    loss_axes.plot(epochs, [row["val_loss"] for row in history], marker="o", label=text["validation"])
    accuracy_axes.set_ylabel(text["accuracy"])
    loss_axes.set_ylabel(text["loss"])
    loss_axes.set_xlabel(text["epoch"])
    accuracy_axes.legend()
    accuracy_axes.set_title(title)
    if note:
        accuracy_axes.text(0.5, 0.5, note, transform=accuracy_axes.transAxes, ha="center", color="crimson")
    for axes in (accuracy_axes, loss_axes):
        axes.grid(alpha=0.3)
        localise_axes(axes, language)
        axes.xaxis.get_major_locator().set_params(integer=True)
    save_figure(figure, path)


def plot_spread(series: dict[str, dict[str, dict]], titles: dict[str, str], title: str, text: dict, language: str, path: str) -> None:
    """Draw each layer's gradient standard deviation, one colour per initialisation, before (solid) and after (dashed).

    ``series[name][phase]`` contains ``mean`` and ``sd`` lists over layers; a band
    shows mean ± sd when several seeds give one.
    """
    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    colours = plt.get_cmap("tab10")
    for index, (name, phases) in enumerate(series.items()):
        for phase, style in (("before", "-"), ("after", "--")):
            if phase not in phases:
                continue
            mean = np.asarray(phases[phase]["mean"], dtype=float)
            sd = np.asarray(phases[phase]["sd"], dtype=float)
            layers = np.arange(1, len(mean) + 1)
            axes.plot(layers, mean, style, marker="o", color=colours(index), label=f"{titles[name]}, {text[phase]}")
            if np.isfinite(sd).any():
                axes.fill_between(layers, mean - np.nan_to_num(sd), mean + np.nan_to_num(sd), color=colours(index), alpha=0.15)
    axes.set_yscale("log")
    axes.set_xlabel(text["layer_axis"])
    axes.set_ylabel(text["std_axis"])
    axes.set_title(title)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.xaxis.set_major_formatter(LocalisedFormatter(language))
    axes.legend(fontsize="x-small")
    axes.grid(alpha=0.3, which="both")
    save_figure(figure, path)


def finite_or_nan(value) -> float:
    """Return ``value`` as float, with None read as NaN."""
    return math.nan if value is None else float(value)
