"""The report's translations (``report/i18n/<language>.yaml``) and each language's number format."""

import math
from pathlib import Path

import yaml

# French separates decimals with a comma and thousands with a narrow no-break space.
DECIMAL_SEPARATORS = {"en": ".", "fr": ","}
THOUSANDS_SEPARATORS = {"en": ",", "fr": "\u202f"}


def load_translations(directory: str | Path, language: str) -> dict:
    """Read ``<directory>/<language>.yaml``."""
    with open(Path(directory) / f"{language}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def format_number(value: float | None, language: str, digits: int = 2, missing: str = "—") -> str:
    """Format ``value`` with ``digits`` decimals in ``language``'s convention; ``missing`` for None or NaN."""
    if value is None or not math.isfinite(value):
        return missing
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", DECIMAL_SEPARATORS[language]).replace("\0", THOUSANDS_SEPARATORS[language])


def format_scientific(value: float | None, language: str, digits: int = 2, missing: str = "—") -> str:
    """Format ``value`` as mantissa x 10^exponent text, such as "3.1e-04" or "3,1e-04"."""
    if value is None or not math.isfinite(value):
        return missing
    return f"{value:.{digits}e}".replace(".", DECIMAL_SEPARATORS[language])
