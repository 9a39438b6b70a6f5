"""Invalid config values stop the run before any job starts, with a message in the configured language.

Each message names the key, the value as the user wrote it, and what is accepted.
The slow tests run the real snakemake command with the value given through
``--config``; the fast ones call the validation directly in both languages.
"""

import copy
from pathlib import Path

import pytest
import yaml

from initlab.config import coerce_command_line_scalars, load_schema, validate_config
from initlab.schemes import SCHEMES
from initlab.errors import ConfigError

REPOSITORY = Path(__file__).resolve().parent.parent
CONFIG_FILE = REPOSITORY / "config.yaml"
SCHEMA = load_schema(REPOSITORY / "workflow" / "schemas" / "config.schema.yaml")
ACTIVATIONS = "tanh, relu, leaky_relu, elu, selu, gelu, sigmoid"
INITIALISATIONS = "standard, xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal, lecun_normal, orthogonal"
TOP_LEVEL_KEYS = (
    "activations, cpu_threads, data_dir, dataset, deterministic, device, download_dir, gradients, initialisations, "
    "language, network, seeds, split, synthetic, training, verify_checksums"
)


# (case id, --config overrides, "key = value" as the message shows it, accepted values in English, in French)
INVALID_VALUES = [
    ("unknown activation", {"activations": ["swish"]}, 'activations[0] = "swish"', f"Accepted values: {ACTIVATIONS}.", f"Valeurs acceptées : {ACTIVATIONS}."),
    ("unknown initialisation", {"initialisations": ["he_uniform"]}, 'initialisations[0] = "he_uniform"', f"Accepted values: {INITIALISATIONS}.", f"Valeurs acceptées : {INITIALISATIONS}."),
    (
        "unknown scheme in an initialisation object",
        {"initialisations": [{"name": "wide", "scheme": "he_uniform", "gain": 2}]},
        'initialisations[0].scheme = "he_uniform"',
        f"Accepted values: {INITIALISATIONS}.",
        f"Valeurs acceptées : {INITIALISATIONS}.",
    ),
    ("negative epochs", {"training": {"epochs": -1}}, "training.epochs = -1", "The smallest accepted value is 1.", "La plus petite valeur acceptée est 1."),
    ("batch size of zero", {"training": {"batch_size": 0}}, "training.batch_size = 0", "The smallest accepted value is 1.", "La plus petite valeur acceptée est 1."),
    ("gradient batch size of zero", {"gradients": {"batch_size": 0}}, "gradients.batch_size = 0", "The smallest accepted value is 1.", "La plus petite valeur acceptée est 1."),
    ("fractional seed", {"seeds": [1.5]}, "seeds[0] = 1.5", "Expected an integer.", "Valeur attendue : un nombre entier."),
    ("seed as a word", {"seeds": ["forty-two"]}, 'seeds[0] = "forty-two"', "Expected an integer.", "Valeur attendue : un nombre entier."),
    ("empty activation list", {"activations": []}, "activations = []", f"The list needs at least 1 entry. Accepted values: {ACTIVATIONS}.", f"La liste doit contenir au moins 1 élément. Valeurs acceptées : {ACTIVATIONS}."),
    ("empty initialisation list", {"initialisations": []}, "initialisations = []", f"Accepted values: {INITIALISATIONS}.", f"Valeurs acceptées : {INITIALISATIONS}."),
    ("misspelt top-level key", {"activation": ["tanh"]}, 'activation = ["tanh"]', f"Accepted keys here: {TOP_LEVEL_KEYS}. Did you mean activations?", f"Clés acceptées ici : {TOP_LEVEL_KEYS}. Vouliez-vous écrire activations?"),
    ("misspelt nested key", {"training": {"epoch": 1}}, "training.epoch = 1", "Accepted keys here: batch_size, epochs, learning_rate. Did you mean epochs?", "Clés acceptées ici : batch_size, epochs, learning_rate. Vouliez-vous écrire epochs?"),
    ("misspelt key two levels down", {"gradients": {"keep_array": False}}, "gradients.keep_array = false", "Did you mean keep_arrays?", "Vouliez-vous écrire keep_arrays?"),
    ("boolean given as a word", {"verify_checksums": "sometimes"}, 'verify_checksums = "sometimes"', "Expected true or false.", "Valeur attendue : true ou false."),
    ("gain that is a word", {"initialisations": [{"name": "wide", "scheme": "xavier_uniform", "gain": "banana"}]}, 'initialisations[0].gain = "banana"', "Expected a number or null, or one of these values: recommended.", "Valeur attendue : un nombre ou null, ou l'une de ces valeurs : recommended."),
    ("initialisation name with a slash", {"initialisations": [{"name": "my/init", "scheme": "standard"}]}, 'initialisations[0].name = "my/init"', "A name starts with a lowercase letter", "Un nom commence par une lettre minuscule"),
    ("train fraction of one", {"split": {"train_fraction": 1}}, "split.train_fraction = 1", "The value must be less than 1.", "La valeur doit être inférieure à 1."),
    ("one hidden layer", {"network": {"hidden_layers": 1}}, "network.hidden_layers = 1", "The smallest accepted value is 2.", "La plus petite valeur acceptée est 2."),
]
CASE_IDS = [case[0] for case in INVALID_VALUES]


def default_config() -> dict:
    """Return the repository's config.yaml as a dict."""
    return yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))


def merged(config: dict, overrides: dict) -> dict:
    """Merge ``overrides`` into a copy of ``config`` the way Snakemake merges --config: nested dicts key by key."""
    result = copy.deepcopy(config)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("case", "overrides", "key_and_value", "accepted_en", "accepted_fr"), INVALID_VALUES, ids=CASE_IDS)
def test_validation_names_key_value_accepted(case, overrides, key_and_value, accepted_en, accepted_fr, language):
    config = merged(default_config(), overrides | {"language": language})
    with pytest.raises(ConfigError) as raised:
        validate_config(config, SCHEMA)
    message = raised.value.render(language)

    assert key_and_value in message
    assert (accepted_en if language == "en" else accepted_fr) in message
    assert message.startswith("Invalid configuration:" if language == "en" else "Configuration invalide :")


def test_every_invalid_value_gets_a_line():
    config = merged(default_config(), {"training": {"epochs": -1, "batch_size": 0}, "seeds": [1.5], "activation": ["tanh"]})
    with pytest.raises(ConfigError) as raised:
        validate_config(config, SCHEMA)
    lines = raised.value.render("en").splitlines()

    assert len(lines) == 4
    assert any("training.epochs = -1" in line for line in lines)
    assert any("training.batch_size = 0" in line for line in lines)
    assert any("seeds[0] = 1.5" in line for line in lines)
    assert any("activation = " in line for line in lines)


def test_invalid_language_reports_in_english():
    config = merged(default_config(), {"language": "de"})
    with pytest.raises(ConfigError) as raised:
        validate_config(config, SCHEMA)
    assert raised.value.render("en") == 'Invalid configuration: language = "de". Accepted values: en, fr. Fix it in config.yaml or in --config.'


def test_schema_rejects_unknown_keys_everywhere():
    def objects(schema, path):
        if schema.get("type") == "object" or "properties" in schema:
            yield path, schema
        for name, child in schema.get("properties", {}).items():
            yield from objects(child, f"{path}.{name}")
        for branch in [*schema.get("oneOf", []), *schema.get("anyOf", [])]:
            yield from objects(branch, f"{path}|branch")
        if isinstance(schema.get("items"), dict):
            yield from objects(schema["items"], f"{path}[]")

    found = list(objects(SCHEMA, "config"))
    assert len(found) >= 7
    for path, schema in found:
        assert schema.get("additionalProperties") is False, path


def test_command_line_strings_become_yaml_scalars():
    # What Snakemake 9 hands over for --config training='{epochs: 2, learning_rate: 1e-2}' verify_checksums=false data_dir=null
    from_command_line = {
        "training": {"epochs": "2", "learning_rate": "1e-2"},
        "verify_checksums": "false",
        "data_dir": "null",
        "download_dir": "2024",
        "seeds": ["7", "1.5", "abc"],
        "initialisations": [{"name": "wide", "scheme": "standard", "gain": "2"}, {"name": "tuned", "scheme": "standard", "gain": "recommended"}],
    }
    coerced = coerce_command_line_scalars(from_command_line, SCHEMA)

    assert coerced["training"] == {"epochs": 2, "learning_rate": 0.01}
    assert coerced["verify_checksums"] is False
    assert coerced["data_dir"] is None
    assert coerced["download_dir"] == "2024"
    assert coerced["seeds"] == [7, 1.5, "abc"]
    assert coerced["initialisations"][0]["gain"] == 2
    assert coerced["initialisations"][1]["gain"] == "recommended"


def test_valid_command_line_config_passes():
    config = merged(default_config(), {"training": {"epochs": "1"}, "verify_checksums": "false", "activations": ["tanh"]})
    validated = validate_config(config, SCHEMA)
    assert validated["training"] == {"epochs": 1, "batch_size": 128, "learning_rate": 0.01}
    assert validated["verify_checksums"] is False


# Every case once through the real command, alternating the language, so both are checked end to end.
COMMAND_CASES = [pytest.param(case[:3] + (language,), id=f"{case[0]}-{language}") for case, language in zip(INVALID_VALUES, ["en", "fr"] * len(INVALID_VALUES))]


@pytest.mark.slow
@pytest.mark.parametrize("case", COMMAND_CASES)
def test_snakemake_stops_before_any_job(case, tmp_path, run_workflow):
    name, overrides, key_and_value, language = case
    result = run_workflow(tmp_path, {"dataset": "digits", "language": language, **overrides}, check=False)

    assert result.returncode != 0
    expected_start = "initlab: Invalid configuration: " if language == "en" else "initlab: Configuration invalide : "
    assert f"{expected_start}{key_and_value}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()
    assert not (tmp_path / "logs").exists()
    assert not (tmp_path / "benchmarks").exists()


def test_builtin_name_with_other_scheme_is_rejected():
    config = merged(default_config(), {"initialisations": [{"name": "standard", "scheme": "xavier_uniform"}]})
    with pytest.raises(ConfigError) as raised:
        validate_config(config, SCHEMA)
    assert "standard" in raised.value.render("en")
    assert "xavier_uniform_custom" in raised.value.render("en")
    assert "xavier_uniform_custom" in raised.value.render("fr")


def test_schema_lists_every_scheme():
    schema = SCHEMA
    names = schema["properties"]["initialisations"]["items"]["oneOf"][0]["enum"]
    assert sorted(names) == sorted(SCHEMES)
