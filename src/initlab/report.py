"""Rendering helpers of the HTML report: number formats, embedded figures, tables and the spread heat map.

Every figure goes into the page as a base64 PNG data URI, so a report is one
file that opens offline and makes no request.
"""

import base64
import io
import math
import re
from pathlib import Path

import jinja2
import numpy as np
from matplotlib.ticker import FuncFormatter

from initlab import plotting
from initlab.translations import DECIMAL_SEPARATORS, format_number

# "5.85 × 10⁻⁴" reads better in prose and tables than "5.85e-04".
SUPERSCRIPT_DIGITS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
# French puts a no-break space between a number and its percent sign.
PERCENT_SIGNS = {"en": "%", "fr": "\u00a0%"}
MISSING = "—"


def finite(value) -> float:
    """Return ``value`` as a float, with None read as NaN."""
    return math.nan if value is None else float(value)


def _power_parts(value: float, digits: int) -> tuple[str, int | None]:
    """Split ``value`` as format_power prints it: the digits with a decimal point, and the power of ten (None when plain)."""
    exponent = math.floor(math.log10(abs(value))) if value != 0 else 0
    if 0 <= exponent <= 2:
        return f"{value:.{digits}f}", None
    mantissa = value / 10**exponent
    if round(abs(mantissa), digits) >= 10:
        mantissa /= 10
        exponent += 1
    return f"{mantissa:.{digits}f}", exponent


def format_power(value, language: str, digits: int = 2) -> str:
    """Format ``value`` as "5.85 × 10⁻⁴" (French: "5,85 × 10⁻⁴"); exponents 0 to 2 stay plain decimals."""
    value = finite(value)
    if not math.isfinite(value):
        return MISSING
    text, exponent = _power_parts(value, digits)
    if exponent is None:
        return format_number(value, language, digits)
    text = text.replace(".", DECIMAL_SEPARATORS[language])
    return f"{text}\u00a0×\u00a010{str(exponent).translate(SUPERSCRIPT_DIGITS)}"


def shown_power(value, digits: int = 2) -> float:
    """Return ``value`` rounded as format_power prints it, so that arithmetic on printed numbers matches the text."""
    value = finite(value)
    if not math.isfinite(value):
        return value
    text, exponent = _power_parts(value, digits)
    return float(text if exponent is None else f"{text}e{exponent}")


def shown_decimal(value, digits: int = 2) -> float:
    """Return ``value`` rounded to ``digits`` decimals exactly as format_number prints it."""
    value = finite(value)
    return float(f"{value:.{digits}f}") if math.isfinite(value) else value


def shown_factor(value) -> float:
    """Return ``value`` rounded as format_factor prints it."""
    value = finite(value)
    if not math.isfinite(value):
        return value
    return shown_decimal(value, _factor_digits(value))


def format_percent(value, language: str, digits: int = 2) -> str:
    """Format a value already in percent, such as 46.52 as "46.52%" or "46,52 %"."""
    value = finite(value)
    if not math.isfinite(value):
        return MISSING
    return format_number(value, language, digits) + PERCENT_SIGNS[language]


def format_factor(value, language: str) -> str:
    """Format a ratio or factor: two decimals below 10, one from 10 on."""
    value = finite(value)
    if not math.isfinite(value):
        return MISSING
    return format_number(value, language, _factor_digits(value))


def _factor_digits(value: float) -> int:
    return 2 if abs(value) < 10 else 1


def format_points(value, language: str) -> str:
    """Format a difference of percentages, in percentage points, with two decimals."""
    return format_number(finite(value), language, 2, MISSING)


def with_sd(mean_text: str, sd_text: str | None) -> str:
    """Return "mean ± sd", or the mean alone when the standard deviation is unknown."""
    if sd_text is None or sd_text == MISSING:
        return mean_text
    return f"{mean_text}\u00a0±\u00a0{sd_text}"


def plural_category(count: float, language: str, decimals: int = 0) -> str:
    """Return the CLDR plural category, "one" or "other", of ``count`` printed with ``decimals`` decimals.

    English uses "one" for a plain 1 only, so "1.00 points". French uses it
    whenever the integer part is 0 or 1: "1 époque", "0,50 point", "1,99 point",
    "2 époques".
    """
    shown = shown_decimal(count, decimals)
    if language == "fr":
        return "one" if abs(shown) < 2 else "other"
    return "one" if decimals == 0 and shown == 1 else "other"


def counted(translations: dict, noun: str, count: float, language: str, decimals: int = 0, **params) -> str:
    """Return the phrase ``counts.<noun>`` of the i18n file in the form that ``count`` calls for, such as "1 epoch" or "5 epochs"."""
    forms = translations["counts"][noun]
    category = plural_category(count, language, decimals)
    return forms[category].format(count=format_number(count, language, decimals), **params)


def initialisation_phrase(translations: dict, name: str) -> str:
    """Return the initialisation's name as a noun phrase for running text, such as "l'initialisation standard".

    Tables and labels use the bare name of ``schemes``. A scheme missing from
    ``scheme_phrases`` gets the generic phrase built around its bare name.
    """
    phrases = translations["scheme_phrases"]
    if name in phrases:
        return phrases[name]
    return phrases["default"].format(name=translations["schemes"].get(name, name))


# initlab.devices.describe_device writes "cpu (N threads)" or "cuda (<GPU name>)".
CPU_DEVICE = re.compile(r"cpu \((\d+) threads?\)")
CUDA_DEVICE = re.compile(r"cuda \((.+)\)")


def device_text(device: str, translations: dict, language: str) -> str:
    """Return a device description from test.json in the report's language. A form other than cpu or cuda stays as recorded."""
    text = translations["report"]["devices"]
    cpu = CPU_DEVICE.fullmatch(device)
    if cpu:
        return text["cpu"].format(threads=counted(translations, "thread", int(cpu.group(1)), language))
    cuda = CUDA_DEVICE.fullmatch(device)
    if cuda:
        return text["cuda"].format(name=cuda.group(1))
    return device


def format_statistic(statistic: dict | None, formatter, language: str) -> str:
    """Format an over-seed record {mean, sd, n} as "mean ± sd" with ``formatter(value, language)``."""
    if statistic is None:
        return MISSING
    return with_sd(formatter(statistic.get("mean"), language), formatter(statistic.get("sd"), language))


def image_data_uri(path: str | Path) -> str:
    """Return the PNG file at ``path`` as a data URI."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def figure_data_uri(figure) -> str:
    """Render a matplotlib figure to a PNG data URI and close it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=plotting.FIGURE_DPI, format="png", bbox_inches="tight")
    plotting.plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def template_environment(templates_dir: str | Path) -> jinja2.Environment:
    """Return the Jinja environment of the report's templates, with HTML autoescaping."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def format_cell_value(value: float, language: str) -> str:
    """Format a heat-map ratio in at most four characters: "0.004", "0.35", "1.7", "12", "150"."""
    if value >= 10:
        text = f"{value:.0f}"
    elif value >= 0.1:
        text = f"{value:.2g}" if value < 1 else f"{value:.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.1g}"
    return text.replace(".", DECIMAL_SEPARATORS[language])


def relative_spread(rows: list[dict], phase: str, layer_count: int) -> np.ndarray:
    """Return each row's per-layer std divided by its last layer's, NaN where unknown."""
    relative = np.full((len(rows), layer_count), np.nan)
    for index, row in enumerate(rows):
        stds = np.array([finite(value) for value in (row.get(phase) or [])], dtype=float)
        if stds.size and math.isfinite(stds[-1]) and stds[-1] > 0:
            relative[index, : stds.size] = stds / stds[-1]
    return relative


def draw_spread_heat_map(rows: list[dict], title: str, text: dict, language: str) -> str:
    """Draw each layer's gradient standard deviation relative to the layer nearest the output, as a PNG data URI.

    ``rows`` hold ``label`` and, per phase ("before", "after"), the list of
    per-layer standard deviations. A cell is std(layer) / std(last layer) on a
    log colour scale centred on 1, shared by both panels: blue cells are
    smaller than the last layer's (the gradient shrinks towards the input),
    red cells larger.
    """
    phases = [phase for phase in ("before", "after") if any(row.get(phase) for row in rows)]
    layer_count = max(len(row.get(phase) or []) for row in rows for phase in phases)
    relative = {phase: relative_spread(rows, phase, layer_count) for phase in phases}
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = {phase: np.log10(values) for phase, values in relative.items()}
    finite_logs = np.concatenate([values[np.isfinite(values)] for values in logs.values()])
    limit = max(float(np.abs(finite_logs).max()) if finite_logs.size else 1.0, 0.1)

    figure, axes_row = plotting.plt.subplots(
        1, len(phases), figsize=(3.0 + 0.75 * layer_count * len(phases), 1.2 + 0.38 * len(rows)), sharey=True, squeeze=False
    )
    for axes, phase in zip(axes_row[0], phases):
        image = axes.imshow(logs[phase], cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        for (row_index, column), value in np.ndenumerate(relative[phase]):
            if math.isfinite(value) and value > 0:
                colour = "white" if abs(logs[phase][row_index, column]) > 0.6 * limit else "black"
                axes.text(column, row_index, format_cell_value(value, language), ha="center", va="center", fontsize=8, color=colour)
        axes.set_xticks(range(layer_count), [str(layer) for layer in range(1, layer_count + 1)])
        axes.set_xlabel(text["layer_axis"])
        axes.set_title(text[phase])
    axes_row[0][0].set_yticks(range(len(rows)), [row["label"] for row in rows])
    colour_bar = figure.colorbar(image, ax=list(axes_row[0]), fraction=0.04, pad=0.02)
    colour_bar.formatter = FuncFormatter(lambda exponent, _position: format_cell_value(10**exponent, language))
    colour_bar.update_ticks()
    colour_bar.set_label(text["heat_map_scale"])
    figure.suptitle(title)
    return figure_data_uri(figure)
