"""Config validation against the workflow's JSON schema, with defaults and errors in the user's language."""

import copy
import dataclasses
import re
from pathlib import Path

import yaml
from jsonschema import Draft7Validator, validators

from initlab.errors import ConfigError
from initlab.gains import GAIN_ARGUMENTS
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
    """Return ``value`` with strings converted to the number, boolean or null that the schema expects there.

    Snakemake parses ``--config key=value`` with YAML's BaseLoader (Snakemake 9.x,
    ``snakemake.cli.parse_config``) whenever the value is not a bare number, so
    ``training='{epochs: 1}'`` gives the string "1" and ``verify_checksums=false``
    the string "false". A string is parsed with ``yaml.safe_load`` only where the
    schema does not accept it as a string and the parsed scalar has an accepted
    type, so any other invalid value still reaches validation unchanged.
    """
    if isinstance(value, dict):
        branch = next((branch for branch in _alternatives(schema) if "properties" in branch), {})
        properties = branch.get("properties", {})
        return {key: coerce_command_line_scalars(item, properties[key]) if key in properties else item for key, item in value.items()}
    if isinstance(value, list):
        branch = next((branch for branch in _alternatives(schema) if "items" in branch), {})
        return [coerce_command_line_scalars(item, branch.get("items", {})) for item in value]
    if not isinstance(value, str) or _accepts_string(schema, value):
        return value

    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    accepted = {name for branch in _alternatives(schema) for name in _types_of(branch)}
    if any(_SCALAR_TYPES[name](parsed) for name in accepted if name in _SCALAR_TYPES):
        return parsed
    return value


def _key_of(path) -> str:
    """Render a jsonschema path such as deque(['training', 'epochs']) as "training.epochs"."""
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def _describe_error(error, language: str) -> str:
    """Return one localized line naming the key, the value and the accepted values."""
    if error.validator == "oneOf" and error.context:
        same_type = [sub for sub in error.context if sub.validator != "type"]
        if same_type:
            return _describe_error(min(same_type, key=lambda sub: len(sub.path)), language)

    key = _key_of(error.absolute_path)
    value = error.instance
    if error.validator == "enum":
        problem = render_message("config_problem_enum", language, accepted=", ".join(map(str, error.validator_value)))
    elif error.validator == "type":
        problem = render_message("config_problem_type", language, expected=error.validator_value)
    elif error.validator == "minimum":
        problem = render_message("config_problem_minimum", language, limit=error.validator_value)
    elif error.validator == "exclusiveMinimum":
        problem = render_message("config_problem_exclusive_minimum", language, limit=error.validator_value)
    elif error.validator == "maximum":
        problem = render_message("config_problem_maximum", language, limit=error.validator_value)
    elif error.validator == "minItems":
        problem = render_message("config_problem_min_items", language, limit=error.validator_value)
    elif error.validator == "uniqueItems":
        problem = render_message("config_problem_unique", language)
    elif error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known))
        key = ".".join(filter(None, [_key_of(error.absolute_path) if error.absolute_path else "", unknown[0]]))
        value = error.instance[unknown[0]]
        problem = render_message("config_problem_unknown_key", language, accepted=", ".join(known))
    elif error.validator == "required":
        problem = render_message("config_problem_required", language, missing=", ".join(error.validator_value))
    else:
        problem = render_message("config_problem_other", language, detail=error.message)
    return render_message("config_invalid", language, key=key, value=repr(value), problem=problem)


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
        specs[spec.name] = spec
    return specs
