"""render_reports on hand-built results: self-contained pages, warnings at the top, tables, provenance, extended grid."""

from __future__ import annotations

import base64
import copy
import html.parser
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from initlab.provenance import git_state, read_benchmarks, summarise_times
from initlab.report import device_text, plural_category
from initlab.steps.report import render_reports
from initlab.translations import load_translations
from test_answers import TEXTBOOK_ACCURACY, TEXTBOOK_PROFILES, build_summaries

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = REPO_ROOT / "report" / "templates"
TRANSLATIONS = REPO_ROOT / "report" / "i18n"
DATASET = "digits"
# The smallest valid PNG: one transparent pixel.
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

LAB_CONFIG = {
    "language": "en",
    "dataset": "auto",
    "activations": ["tanh", "relu"],
    "initialisations": ["standard", "xavier_uniform", "kaiming_uniform"],
    "seeds": [42],
    "network": {"hidden_layers": 5, "width": 1000},
    "split": {"train_fraction": 0.8, "seed": 42},
    "training": {"epochs": 5, "batch_size": 128, "learning_rate": 0.01},
    "gradients": {"batch_size": 10, "histogram_bins": 100, "keep_arrays": True},
}
DESCRIPTION = {
    "source": "sklearn.datasets.load_digits",
    "verified": True,
    "name": DATASET,
    "sha256": "6d179e8d4231b22d412d764d33f5feb16a5ba1ba152a01e2711406da1329dc5a",
    "image_shape": [1, 8, 8],
    "in_features": 64,
    "images": 1438,
    "train_images": 1150,
    "validation_images": 288,
    "test_images": 359,
}
REQUESTED = {"key": "dataset_requested", "params": {"dataset": DATASET}}
FALLBACK = {"key": "dataset_fallback_digits", "params": {"url": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", "download_dir": "resources/cifar10"}}


class PageParser(html.parser.HTMLParser):
    """Collect the tags, attributes and ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict]:
        return [attributes for name, attributes in self.tags if name == tag]

    def ids(self) -> set[str]:
        return {attributes["id"] for _name, attributes in self.tags if "id" in attributes}


def page_text(path: Path) -> str:
    """Return the page's source with HTML character references decoded, as a reader sees the text."""
    return html.unescape(path.read_text(encoding="utf-8"))


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def figure_paths(config: dict) -> dict:
    """Return {kind: {key: path}} as the workflow's report_figures gives it."""
    results = f"results/{DATASET}/figures"
    figures = {"histograms": {}, "shared_axes": {}, "curves": {}, "spread": {}}
    names = [entry if isinstance(entry, str) else entry["name"] for entry in config["initialisations"]]
    for activation in config["activations"]:
        for language in ("en", "fr"):
            figures["spread"][f"{activation}/{language}"] = f"{results}/spread/{activation}.{language}.png"
            for seed in config["seeds"]:
                for phase in ("before", "after"):
                    figures["shared_axes"][f"{activation}/{seed}/{phase}/{language}"] = f"{results}/shared_axes/{activation}/seed{seed}/{phase}.{language}.png"
                for name in names:
                    figures["curves"][f"{activation}/{name}/{seed}/{language}"] = f"{results}/curves/{activation}/{name}/seed{seed}.{language}.png"
                    for phase in ("before", "after"):
                        figures["histograms"][f"{activation}/{name}/{seed}/{phase}/{language}"] = f"{results}/histograms/{activation}/{name}/seed{seed}/{phase}.{language}.png"
    return figures


def write_benchmark(root: Path, relative: str, seconds: float) -> None:
    path = root / "benchmarks" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"s\th:m:s\tmax_rss\n{seconds}\t0:00:01\t10.0\n", encoding="utf-8")


def render(tmp_path: Path, config=None, description=None, reason=REQUESTED, summaries=None, skip_figure=None) -> dict[str, Path]:
    """Write a fake run under ``tmp_path`` and render both reports; return their paths."""
    config = copy.deepcopy(config or LAB_CONFIG)
    results = tmp_path / "results" / DATASET
    (results / "data").mkdir(parents=True)
    (results / "summary").mkdir(parents=True)
    (results / "data" / "dataset.json").write_text(json.dumps(description or DESCRIPTION), encoding="utf-8")
    gradients, accuracy = summaries or build_summaries()
    accuracy.setdefault("cells", [])
    accuracy["cells"] = accuracy["cells"] or [{"activation": "tanh", "initialisation": "standard", "device": "cpu (2 threads)"}]
    (results / "summary" / "gradient_statistics.json").write_text(json.dumps(gradients), encoding="utf-8")
    (results / "summary" / "accuracy.json").write_text(json.dumps(accuracy), encoding="utf-8")

    figures = figure_paths(config)
    for kind in figures.values():
        for path in kind.values():
            if path == skip_figure:
                continue
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes(PIXEL_PNG)

    write_benchmark(tmp_path, f"prepare_dataset/{DATASET}.tsv", 4.0)
    write_benchmark(tmp_path, f"train/{DATASET}/tanh/standard/seed42.tsv", 12.5)
    write_benchmark(tmp_path, f"measure_gradients/{DATASET}/tanh/standard/seed42/before.tsv", 3.0)
    # Left by earlier runs: another activation, another seed, the report itself, another dataset.
    write_benchmark(tmp_path, f"train/{DATASET}/gelu/standard/seed42.tsv", 99.0)
    write_benchmark(tmp_path, f"train/{DATASET}/tanh/standard/seed7.tsv", 99.0)
    write_benchmark(tmp_path, f"render_report/{DATASET}.tsv", 99.0)
    write_benchmark(tmp_path, "train/synthetic/tanh/standard/seed42.tsv", 99.0)

    outputs = {"en": results / "report.en.html", "fr": results / "report.fr.html"}
    workflow_dir = tmp_path / "not_a_checkout"
    workflow_dir.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        render_reports(
            dataset=DATASET,
            description_path=str(results / "data" / "dataset.json"),
            gradients_path=str(results / "summary" / "gradient_statistics.json"),
            accuracy_path=str(results / "summary" / "accuracy.json"),
            figures=figures,
            config=config,
            dataset_reason=reason,
            benchmarks_dir="benchmarks",
            templates_dir=str(TEMPLATES),
            translations_dir=str(TRANSLATIONS),
            workflow_dir=str(workflow_dir),
            outputs={language: str(path) for language, path in outputs.items()},
        )
    return outputs


@pytest.fixture(scope="module")
def lab_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return render(tmp_path_factory.mktemp("lab"))


def test_render_writes_both_languages(lab_reports: dict[str, Path]) -> None:
    for language, other in (("en", "fr"), ("fr", "en")):
        page = parse(lab_reports[language])
        assert page.all("html")[0]["lang"] == language
        switch = [link for link in page.all("a") if link.get("id") == "language-switch"]
        assert len(switch) == 1
        assert switch[0]["href"] == f"report.{other}.html"
        assert switch[0]["hreflang"] == other


def test_render_is_self_contained(lab_reports: dict[str, Path]) -> None:
    for path in lab_reports.values():
        page = parse(path)
        text = path.read_text(encoding="utf-8")
        images = page.all("img")
        # Lab grid, one seed: 12 histograms, 4 shared-axes figures, 6 curves, 2 spread figures.
        assert len(images) == 24
        for image in images:
            assert image["src"].startswith("data:image/png;base64,")
            assert base64.b64decode(image["src"].split(",", 1)[1]).startswith(PNG_SIGNATURE)
        assert page.all("script") == []
        assert page.all("link") == []
        assert page.all("iframe") == []
        assert "@import" not in text
        assert "url(" not in text
        for link in page.all("a"):
            assert not link["href"].startswith(("http:", "https:", "//")), link["href"]


def test_render_places_answers_in_sections(lab_reports: dict[str, Path]) -> None:
    for path in lab_reports.values():
        ids = parse(path).ids()
        assert {"setup", "tanh-before", "tanh-after", "relu", "spread", "provenance"} <= ids
        assert {f"q{number}" for number in range(1, 8)} <= ids
        assert "extended" not in ids
        assert "warnings" not in ids
        text = page_text(path)
        assert text.index('id="q2"') < text.index('id="tanh-after"') < text.index('id="q3"')
        assert text.index('id="q5"') < text.index('id="relu"') < text.index('id="q6"')


def test_render_statistics_tables(lab_reports: dict[str, Path]) -> None:
    english = page_text(lab_reports["en"])
    french = page_text(lab_reports["fr"])
    # Layer 1 of the textbook standard profile has std 1e-4 and 20 % zeros in ReLU.
    assert "1.00\u00a0×\u00a010⁻⁴" in english
    assert "1,00\u00a0×\u00a010⁻⁴" in french
    assert "20.00%" in english
    assert "20,00\u00a0%" in french
    assert "Spread ratio" in english
    assert "Rapport d'étalement" in french
    # Test accuracies of the textbook run.
    assert "52.00%" in english
    assert "52,00\u00a0%" in french


def test_render_weight_gradient_and_activation_columns(lab_reports: dict[str, Path]) -> None:
    english = page_text(lab_reports["en"])
    french = page_text(lab_reports["fr"])
    assert "Weight-gradient std" in english
    assert "Activation std" in english
    assert "Écart type du gradient des poids" in french
    # The hand-built summaries give every layer a weight-gradient std of 3e-4.
    assert "3.00\u00a0×\u00a010⁻⁴" in english


def test_render_provenance(lab_reports: dict[str, Path]) -> None:
    english = page_text(lab_reports["en"])
    french = page_text(lab_reports["fr"])
    assert DESCRIPTION["sha256"] in english
    assert "Dataset: digits, as set in the config." in english
    assert "Jeu de données : digits, tel que demandé dans la configuration." in french
    assert "not a git checkout" in english
    assert "pas un dépôt git" in french
    for library in ("python", "torch", "torchvision", "snakemake", "numpy", "matplotlib"):
        assert f"<th scope=\"row\">{library}</th>" in english
    assert "learning_rate: 0.01" in english
    assert "<dt>Device</dt><dd>CPU (2 threads)</dd>" in english
    assert "<dt>Appareil de calcul</dt><dd>processeur (2 fils d'exécution)</dd>" in french
    assert "threads" not in french
    assert "<dt>Checked against official checksums</dt><dd>yes</dd>" in english
    # Three jobs of this run: 4 + 12.5 + 3 seconds; stale files are left out.
    assert "Every job (3)" in english
    assert "19.5" in english
    assert "gelu" not in english
    assert "seed7" not in english


def test_render_fallback_warning_at_top(tmp_path: Path) -> None:
    reports = render(tmp_path, reason=FALLBACK)
    for language, marker in (("en", "NOT CIFAR-10"), ("fr", "NON CIFAR-10")):
        text = page_text(reports[language])
        assert 'id="warnings"' in text
        assert text.index('id="warnings"') < text.index("<header>")
        assert text.index(marker) < text.index("<header>")


def test_render_unverified_data_warning(tmp_path: Path) -> None:
    description = {**DESCRIPTION, "name": "cifar10", "verified": False, "source": "/data/cifar-10-batches-py", "official_checksums": False}
    reports = render(tmp_path, description=description)
    english = page_text(reports["en"])
    french = page_text(reports["fr"])
    assert english.index("was not verified against the official checksums") < english.index("<header>")
    assert french.index("n'a pas été vérifiée avec les sommes de contrôle officielles") < french.index("<header>")


def test_render_marks_diverged_training(tmp_path: Path) -> None:
    summaries = build_summaries(diverged={("relu", "kaiming_uniform"): (2,)})
    reports = render(tmp_path, summaries=summaries)
    english = page_text(reports["en"])
    french = page_text(reports["fr"])
    assert english.index("The ReLU network with Kaiming (uniform) diverged in 1 of 1 seed (epoch 2).") < english.index("<header>")
    assert french.index("Le réseau ReLU avec l'initialisation de Kaiming (uniforme) a divergé pour 1 germe sur 1 (époque 2).") < french.index("<header>")
    assert '<tr class="diverged">' in english
    assert "diverged in 1 of 1 seed, epoch 2" in english
    assert "divergence pour 1 germe sur 1, époque 2" in french


def test_render_missing_figure_shows_note(tmp_path: Path) -> None:
    missing = f"results/{DATASET}/figures/spread/relu.en.png"
    reports = render(tmp_path, skip_figure=missing)
    assert "This figure was not produced." in page_text(reports["en"])
    assert "Cette figure n'a pas été produite." not in page_text(reports["fr"])


def test_render_relu_only_grid(tmp_path: Path) -> None:
    config = {**LAB_CONFIG, "activations": ["relu"]}
    gradients, accuracy = build_summaries()
    gradients["aggregate"] = [item for item in gradients["aggregate"] if item["activation"] == "relu"]
    accuracy["aggregate"] = [item for item in accuracy["aggregate"] if item["activation"] == "relu"]
    reports = render(tmp_path, config=config, summaries=(gradients, accuracy))
    english = page_text(reports["en"])
    assert "This run trained no tanh network." in english
    # Q2 still gives its reasoning but has no tanh numbers, so all seven count as unanswered.
    assert english.count('class="answer unanswered"') == 7


def test_render_extended_grid(tmp_path: Path) -> None:
    config = {**LAB_CONFIG, "activations": ["tanh", "relu", "gelu"], "seeds": [1, 2, 3]}
    accuracies = dict(TEXTBOOK_ACCURACY)
    accuracies.update({("gelu", "standard"): 30.0, ("gelu", "xavier_uniform"): 51.5, ("gelu", "kaiming_uniform"): 10.0})
    sds = {key: 1.5 for key in accuracies}
    profiles = build_summaries()[0]
    gradients, accuracy = build_summaries(accuracies=accuracies, seeds=3, sds=sds, diverged={("gelu", "kaiming_uniform"): (1, 1, 2)})
    for aggregate in profiles["aggregate"]:
        if aggregate["activation"] == "tanh":
            gradients["aggregate"].append({**copy.deepcopy(aggregate), "activation": "gelu"})
    reports = render(tmp_path, config=config, summaries=(gradients, accuracy))

    english = page_text(reports["en"])
    french = page_text(reports["fr"])
    page = parse(reports["en"])
    assert "extended" in page.ids()
    heat_maps = [image for image in page.all("img") if image["alt"] == "Bias-gradient standard deviation relative to the last hidden layer"]
    assert len(heat_maps) == 1
    assert base64.b64decode(heat_maps[0]["src"].split(",", 1)[1]).startswith(PNG_SIGNATURE)
    ranking = english[english.index('class="ranking"'):english.index("</table>", english.index('class="ranking"'))]
    # tanh Kaiming 52, gelu Xavier 51.5 and relu Kaiming 51 are within the 1.5-point seed spread of the first: tied at rank 1.
    assert ranking.count("<td>1 (tie)</td>") == 3
    assert "Cells marked as tied share a rank" in english
    assert "diverged in 3 of 3 seeds, epochs 1, 1 and 2" in ranking
    assert "divergence pour 3 germes sur 3, époques 1, 1 et 2" in french
    assert "(égalité)" in french
    # Figures show the first seed; tables give means over seeds.
    assert "Figures show seed 1; tables and answers give means ± standard deviations over the 3 seeds." in english


def test_read_benchmarks_filters_other_runs(tmp_path: Path) -> None:
    write_benchmark(tmp_path, f"train/{DATASET}/tanh/standard/seed42.tsv", 2.0)
    write_benchmark(tmp_path, f"plot_spread/{DATASET}/tanh.tsv", 1.0)
    write_benchmark(tmp_path, f"train/{DATASET}/tanh/orthogonal/seed42.tsv", 5.0)
    write_benchmark(tmp_path, "download_cifar10/download.tsv", 5.0)
    jobs = read_benchmarks(tmp_path / "benchmarks", DATASET, LAB_CONFIG)
    assert sorted(job.job for job in jobs) == [f"{DATASET}/tanh", f"{DATASET}/tanh/standard/seed42"]
    times = summarise_times(jobs)
    assert times["total_seconds"] == pytest.approx(3.0)
    assert [entry["rule"] for entry in times["rules"]] == ["train", "plot_spread"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_state_reports_commit_and_changes(tmp_path: Path) -> None:
    def git(*arguments: str) -> str:
        return subprocess.run(["git", "-C", str(tmp_path), *arguments], capture_output=True, text=True, check=True).stdout.strip()

    assert git_state(tmp_path).problem == "not_checkout"
    git("init", "-q")
    assert git_state(tmp_path).problem == "no_commit"
    (tmp_path / "Snakefile").write_text("# empty\n", encoding="utf-8")
    git("add", "Snakefile")
    git("-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "-q", "-m", "Add Snakefile")
    state = git_state(tmp_path)
    assert state.commit == git("rev-parse", "HEAD")
    assert re.fullmatch(r"[0-9a-f]{40}", state.commit)
    assert not state.dirty
    (tmp_path / "Snakefile").write_text("# changed\n", encoding="utf-8")
    assert git_state(tmp_path).dirty


def test_git_state_reports_git_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refused = subprocess.CompletedProcess(["git"], 128, "", "fatal: detected dubious ownership in repository at '/srv/initlab'\n")
    monkeypatch.setattr("initlab.provenance._git", lambda *arguments: refused)
    state = git_state(tmp_path)
    assert state.problem == "git_failed"
    assert state.detail == "fatal: detected dubious ownership in repository at '/srv/initlab'"
    assert state.commit is None


def test_render_no_checksums_not_applicable(tmp_path: Path) -> None:
    # digits and synthetic have no official checksums: the data step writes "verified": null.
    reports = render(tmp_path, description={**DESCRIPTION, "verified": None})
    english = page_text(reports["en"])
    french = page_text(reports["fr"])
    assert "<dt>Checked against official checksums</dt><dd>not applicable (this dataset has no official checksums)</dd>" in english
    assert "<dd>sans objet (ce jeu de données n'a pas de sommes de contrôle officielles)</dd>" in french
    for text in (english, french):
        assert 'id="warnings"' not in text
        assert "verify_checksums" not in text


def test_render_synthetic_warning_at_top(tmp_path: Path) -> None:
    description = {**DESCRIPTION, "name": "synthetic", "verified": None, "source": "uniform random pixels and labels, seed 0"}
    reports = render(tmp_path, description=description)
    english = page_text(reports["en"])
    french = page_text(reports["fr"])
    assert english.index("its images and labels are seeded random numbers") < english.index("<header>")
    assert "meant for benchmarks and tests of the workflow, not for conclusions" in english
    assert french.index("ses images et ses étiquettes sont des nombres aléatoires") < french.index("<header>")
    assert "not applicable" in english


def test_render_wording_conventions(lab_reports: dict[str, Path]) -> None:
    english = page_text(lab_reports["en"])
    french = page_text(lab_reports["fr"])
    for text in (english, french):
        # "seed(s)" and "epoch(s)" are gone; "Total (s)" is a unit of seconds.
        assert not re.search(r"\w\(s\)", text)
        assert "Glorot & Bengio" not in text
    assert "Glorot and Bengio (2010)" in english
    assert "Glorot et Bengio (2010)" in french
    assert "<h2>Dispositif expérimental</h2>" in french
    assert "Montage" not in french
    assert "Avec standard" not in french
    assert "rapetisser" not in french
    # Lab config: 2 × 3 × 1 grid, 5 epochs, 5 hidden layers.
    assert "2 activations × 3 initialisations × 1 seed: 6 trainings and 12 gradient measurements" in english
    assert "2 activations × 3 initialisations × 1 germe : 6 entraînements et 12 mesures du gradient" in french
    assert "mini-batches of 128 images, 5 epochs," in english
    assert "mini-lots de 128 images, 5 époques," in french


def test_render_single_cell_grid_is_singular(tmp_path: Path) -> None:
    config = {**LAB_CONFIG, "activations": ["tanh"], "initialisations": ["standard"], "training": {**LAB_CONFIG["training"], "epochs": 1}}
    gradients, accuracy = build_summaries()
    gradients["aggregate"] = [item for item in gradients["aggregate"] if (item["activation"], item["initialisation"]) == ("tanh", "standard")]
    accuracy["aggregate"] = [item for item in accuracy["aggregate"] if (item["activation"], item["initialisation"]) == ("tanh", "standard")]
    reports = render(tmp_path, config=config, summaries=(gradients, accuracy))
    english = page_text(reports["en"])
    french = page_text(reports["fr"])
    assert "1 activation × 1 initialisation × 1 seed: 1 training and 2 gradient measurements" in english
    assert "mini-batches of 128 images, 1 epoch, cross-entropy" in english
    assert "1 activation × 1 initialisation × 1 germe : 1 entraînement et 2 mesures du gradient" in french
    assert "mini-lots de 128 images, 1 époque, perte" in french


def test_render_two_hidden_layers(tmp_path: Path) -> None:
    config = {**LAB_CONFIG, "network": {"hidden_layers": 2, "width": 1000}}
    profiles = {key: [stds[0], stds[-1]] for key, stds in TEXTBOOK_PROFILES.items()}
    reports = render(tmp_path, config=config, summaries=build_summaries(profiles=profiles))
    english = page_text(reports["en"])
    french = page_text(reports["fr"])
    assert "goes through 2 hidden Linear layers of 1000 units" in english
    assert "the gradient of the bias of each of the first 2 Linear layers is recorded" in english
    assert "at the last hidden layer (layer 2) divided by that at layer 1" in english
    assert "10.0 times smaller than at layer 2" in english
    assert "layer 5" not in english.lower()
    assert "traverse 2 couches Linear cachées de 1000 unités" in french
    assert "(la couche 2)" in french
    assert "couche 5" not in french.lower()


def test_render_spread_ratio_matches_printed_deviations(tmp_path: Path) -> None:
    # Layer 1 prints as 1.56 × 10⁻⁴ and layer 5 as 1.00 × 10⁻³: the table's ratio is 1.00 / 0.156 = 6.41, not the unrounded 6.39.
    profiles = dict(TEXTBOOK_PROFILES)
    profiles[("tanh", "standard")] = [1.5649e-4, 2e-4, 4e-4, 7e-4, 1e-3]
    reports = render(tmp_path, summaries=build_summaries(profiles=profiles))
    english = page_text(reports["en"])
    assert '<td class="number ratio" rowspan="5">6.41</td>' in english
    assert "6.39" not in english


def test_device_text_in_both_languages() -> None:
    english = load_translations(TRANSLATIONS, "en")
    french = load_translations(TRANSLATIONS, "fr")
    assert device_text("cpu (2 threads)", english, "en") == "CPU (2 threads)"
    assert device_text("cpu (1 threads)", english, "en") == "CPU (1 thread)"
    assert device_text("cpu (2 threads)", french, "fr") == "processeur (2 fils d'exécution)"
    assert device_text("cpu (1 threads)", french, "fr") == "processeur (1 fil d'exécution)"
    assert device_text("cuda (NVIDIA H200)", english, "en") == "CUDA GPU (NVIDIA H200)"
    assert device_text("cuda (NVIDIA H200)", french, "fr") == "processeur graphique CUDA (NVIDIA H200)"
    assert device_text("mps", french, "fr") == "mps"


def test_plural_category_rules() -> None:
    assert plural_category(1, "en") == "one"
    assert plural_category(0, "en") == "other"
    assert plural_category(1.0, "en", decimals=2) == "other"
    assert plural_category(0, "fr") == "one"
    assert plural_category(1, "fr") == "one"
    assert plural_category(0.5, "fr", decimals=2) == "one"
    assert plural_category(1.996, "fr", decimals=2) == "other"
    assert plural_category(2, "fr") == "other"
