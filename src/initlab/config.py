"""Config validation against the workflow's JSON schema, with defaults and errors in the user's language."""

import copy
import dataclasses
import difflib
import json
import math
import re
from pathlib import Path

import yaml
from jsonschema import Draft7Validator, validators

from initlab.errors import ConfigError
from initlab.gains import GAIN_ARGUMENTS
from initlab.schemes import SCHEMES
from initlab.messages import render_message


def _with_defaults(validator_class):
    """Extend ``validator_class`` so that validating fills each missing property with its schema default."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def fill_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema:
                    instance.setdefault(name, copy.deepcopy(subschema["default"]))
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": fill_defaults})


DefaultFillingValidator = _with_defaults(Draft7Validator)


@dataclasses.dataclass(frozen=True)
class InitialisationSpec:
    """One configured initialisation: its name in paths and the report, its scheme and its gain setting."""

    name: str
    scheme: str
    gain: float | str | None = None


def load_schema(path: str | Path) -> dict:
    """Read the YAML JSON schema at ``path``."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# JSON schema type name -> test of a parsed YAML scalar; bool is excluded from the numbers, as jsonschema does.
_SCALAR_TYPES = {
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def _alternatives(schema: dict) -> list[dict]:
    """Return ``schema`` and the branches of its oneOf and anyOf."""
    return [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]


def _types_of(schema: dict) -> list[str]:
    """Return the JSON types that ``schema`` accepts, as a list."""
    declared = schema.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def _accepts_string(schema: dict, text: str) -> bool:
    """Return whether some branch of ``schema`` accepts ``text`` as a string (enums and patterns included)."""
    for branch in _alternatives(schema):
        if "string" not in _types_of(branch):
            continue
        if "enum" in branch and text not in branch["enum"]:
            continue
        if "pattern" in branch and not re.search(branch["pattern"], text):
            continue
        return True
    return False


def coerce_command_line_scalars(value, schema: dict):
    """Return ``value`` with its strings read as YAML scalars wherever the schema expects a non-string.

    Snakemake parses ``--config key=value`` with YAML's BaseLoader (Snakemake 9.x,
    ``snakemake.cli.parse_config``) whenever the value is not a bare number. So
    ``training='{epochs: 1}'`` gives the string "1" and ``verify_checksums=false``
    the string "false", where config.yaml itself gives 1 and False. A string is read
    with ``yaml.safe_load`` unless the schema accepts it as a string and the
    parsed scalar is not of an accepted type, so ``data_dir=null`` becomes None
    but ``download_dir=2024`` stays a folder name. Values that remain invalid
    reach validation as the user typed them (1.5, not "1.5").
    """
    if isinstance(value, dict):
        branch = next((branch for branch in _alternatives(schema) if "properties" in branch), {})
        properties = branch.get("properties", {})
        return {key: coerce_command_line_scalars(item, properties.get(key, {})) for key, item in value.items()}
    if isinstance(value, list):
        branch = next((branch for branch in _alternatives(schema) if "items" in branch), {})
        return [coerce_command_line_scalars(item, branch.get("items", {})) for item in value]
    if not isinstance(value, str):
        return value

    accepted = {name for branch in _alternatives(schema) for name in _types_of(branch)}
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    if isinstance(parsed, str) and "number" in accepted:
        # PyYAML (YAML 1.1) reads 1e-2 as a string because its float pattern requires a dot.
        try:
            parsed = float(value)
        except ValueError:
            return value
        if not math.isfinite(parsed):
            return value
    if not isinstance(parsed, (int, float, bool, type(None))):
        return value
    parsed_is_accepted = any(_SCALAR_TYPES[name](parsed) for name in accepted if name in _SCALAR_TYPES)
    if _accepts_string(schema, value) and not parsed_is_accepted:
        return value
    return parsed


def _key_of(path) -> str:
    """Render a jsonschema path such as deque(['training', 'epochs']) as "training.epochs"."""
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def _accepted_item_values(schema: dict) -> list[str]:
    """Return the enum values that the items of the array ``schema`` may take, through oneOf and anyOf."""
    items = schema.get("items", {})
    return [str(value) for branch in _alternatives(items) for value in branch.get("enum", [])]


def _branch_error(error):
    """Return the error of the oneOf/anyOf branch whose type matches the value, or None when no branch does.

    A branch that rejects the value's type is not what the user meant, so its
    other errors (an enum of strings checked against an object) are dropped.
    """
    branches: dict[int, list] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    matching = [subs for subs in branches.values() if not any(sub.validator == "type" and len(sub.relative_schema_path) == 2 for sub in subs)]
    if not matching:
        return None
    return max(matching[0], key=lambda sub: len(sub.path))


def _describe_type(expected, language: str) -> str:
    """Return the localized name of the JSON type ``expected`` (or of each type of a list, joined by "or")."""
    names = [expected] if isinstance(expected, str) else list(expected)
    return render_message("config_type_or", language).join(render_message(f"config_type_{name}", language) for name in names)


def _show_value(value) -> str:
    """Return ``value`` as it would be written in YAML flow style (JSON), e.g. "swish", false, ["tanh"]."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _describe_error(error, language: str) -> str:
    """Return localized lines, one per invalid value, naming the key, the value and the accepted values."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        branch_error = _branch_error(error)
        other_types = {name for branch in error.validator_value for name in _types_of(branch)} - {"string"}
        # A string outside an enum, where numbers are accepted too ("gain: banana"), gets the
        # combined message, so that it names every accepted form and not only the enum.
        scalar_alternatives = other_types and other_types <= {"number", "integer", "boolean", "null"}
        if branch_error is not None and not (branch_error.validator == "enum" and isinstance(error.instance, str) and scalar_alternatives):
            return _describe_error(branch_error, language)
        accepted = [str(value) for branch in error.validator_value for value in branch.get("enum", [])]
        types = [name for branch in error.validator_value for name in _types_of(branch) if not (accepted and name == "string")]
        if accepted:
            problem = render_message("config_problem_type_or_enum", language, expected=_describe_type(types, language), accepted=", ".join(accepted))
        else:
            problem = render_message("config_problem_type", language, expected=_describe_type(types, language))
        return render_message("config_invalid", language, key=_key_of(error.absolute_path), value=_show_value(error.instance), problem=problem)

    if error.validator == "additionalProperties":
        return "\n".join(_describe_unknown_keys(error, language))

    if error.validator == "enum":
        problem = render_message("config_problem_enum", language, accepted=", ".join(map(str, error.validator_value)))
    elif error.validator == "type":
        problem = render_message("config_problem_type", language, expected=_describe_type(error.validator_value, language))
    elif error.validator == "minimum":
        problem = render_message("config_problem_minimum", language, limit=error.validator_value)
    elif error.validator == "exclusiveMinimum":
        problem = render_message("config_problem_exclusive_minimum", language, limit=error.validator_value)
    elif error.validator == "maximum":
        problem = render_message("config_problem_maximum", language, limit=error.validator_value)
    elif error.validator == "exclusiveMaximum":
        problem = render_message("config_problem_exclusive_maximum", language, limit=error.validator_value)
    elif error.validator == "pattern":
        problem = render_message("config_problem_name_pattern", language)
    elif error.validator == "minItems":
        problem = render_message("config_problem_min_items", language, limit=error.validator_value)
        accepted = _accepted_item_values(error.schema)
        if accepted:
            problem += " " + render_message("config_problem_enum", language, accepted=", ".join(accepted))
    elif error.validator == "uniqueItems":
        problem = render_message("config_problem_unique", language)
    elif error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        problem = render_message("config_problem_required", language, missing=", ".join(missing))
    else:
        problem = render_message("config_problem_other", language, detail=error.message)
    return render_message("config_invalid", language, key=_key_of(error.absolute_path), value=_show_value(error.instance), problem=problem)


def _describe_unknown_keys(error, language: str) -> list[str]:
    """Return one line per unknown key of an additionalProperties error, with the accepted keys and the closest one."""
    known = sorted(error.schema.get("properties", {}))
    parent = _key_of(error.absolute_path) if error.absolute_path else ""
    lines = []
    for unknown in sorted(set(error.instance) - set(known)):
        problem = render_message("config_problem_unknown_key", language, accepted=", ".join(known))
        close = difflib.get_close_matches(unknown, known, n=1)
        if close:
            problem += " " + render_message("config_problem_did_you_mean", language, key=close[0])
        key = f"{parent}.{unknown}" if parent else unknown
        lines.append(render_message("config_invalid", language, key=key, value=_show_value(error.instance[unknown]), problem=problem))
    return lines


def validate_config(config: dict, schema: dict) -> dict:
    """Fill defaults into a copy of ``config``, validate it and return it; raise ConfigError otherwise.

    Strings that Snakemake's ``--config`` parsing left in place of numbers,
    booleans and null are converted first (see :func:`coerce_command_line_scalars`).

    The error lists every invalid value, one per line, in the configured
    language (English when ``language`` itself is invalid).
    """
    validated = coerce_command_line_scalars(copy.deepcopy(dict(config)), schema)
    errors = sorted(DefaultFillingValidator(schema).iter_errors(validated), key=lambda error: list(map(str, error.absolute_path)))
    if errors:
        language = validated.get("language") if validated.get("language") in ("en", "fr") else "en"
        raise ConfigError("config_errors", lines="\n".join(_describe_error(error, language) for error in errors), language=language)

    specs = initialisation_specs(validated)
    for spec in specs.values():
        if spec.gain != "recommended":
            continue
        for activation in validated["activations"]:
            if activation not in GAIN_ARGUMENTS:
                raise ConfigError("config_unknown_gain", activation=activation, initialisation=spec.name)
    return validated


def initialisation_specs(config: dict) -> dict[str, InitialisationSpec]:
    """Return the configured initialisations by name, in config order; a bare name is its own scheme with no gain."""
    specs: dict[str, InitialisationSpec] = {}
    for entry in config["initialisations"]:
        spec = InitialisationSpec(entry, entry) if isinstance(entry, str) else InitialisationSpec(entry["name"], entry["scheme"], entry.get("gain"))
        if spec.name in specs:
            raise ConfigError("config_duplicate_initialisation", name=spec.name)
        if spec.name in SCHEMES and spec.name != spec.scheme:
            raise ConfigError("config_reserved_initialisation_name", name=spec.name, scheme=spec.scheme)
        specs[spec.name] = spec
    return specs
