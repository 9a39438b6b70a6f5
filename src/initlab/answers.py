"""The lab's seven answers, written from the run's own numbers, in English and in French.

Every answer states its conclusion first and then the numbers behind it, all
taken from the summary's over-seed aggregates (mean, sd, n). The sentences
live in ``report/i18n/<language>.yaml`` under ``answers``; this module only
decides which sentence the numbers call for and fills it.

A gradient profile is the way the bias-gradient standard deviation changes
from the layer nearest the output (layer N) to layer 1. Its spread ratio is
std(layer N) / std(layer 1), and it is classified as:

- shrinking towards the input: ratio > PROFILE_FACTOR;
- growing towards the input: ratio < 1 / PROFILE_FACTOR;
- about constant: in between.

Every ratio, factor and difference is computed from its operands rounded as
the report prints them, and every threshold is applied to the printed result,
so a reader who redoes the arithmetic on the printed numbers gets the printed
answer.
"""

import dataclasses
import math

from initlab.labels import CLASSES
from initlab.report import (
    counted,
    finite,
    format_factor,
    format_percent,
    format_points,
    format_power,
    initialisation_phrase,
    shown_decimal,
    shown_factor,
    shown_power,
    with_sd,
)
from initlab.schemes import LAB_SCHEMES

LAB_ACTIVATIONS = ("tanh", "relu")
LAB_INITIALISATIONS = LAB_SCHEMES

# Above this factor between layer N and layer 1, a profile counts as shrinking (or growing) towards the input.
PROFILE_FACTOR = 1.25
# Above this factor (geometric mean over layers), training counts as changing the gradients' size.
SCALE_FACTOR = 1.25
# With one seed, two test accuracies within this many percentage points count as close.
CLOSE_ACCURACY_POINTS = 2.0
# Below this fraction, exactly-zero bias gradients count as absent.
NOTICEABLE_ZERO_FRACTION = 0.01
# All three datasets (CIFAR-10, digits, synthetic) have ten classes, so guessing gives a loss of ln 10 and 10 % accuracy.
CHANCE_LOSS = math.log(CLASSES)
CHANCE_ACCURACY = 100 / CLASSES
# A final training loss above this fraction of ln 10 counts as near chance level.
NEAR_CHANCE_FRACTION = 0.95
# A test accuracy within this many percentage points of CHANCE_ACCURACY counts as chance level.
CHANCE_MARGIN_POINTS = 5.0
# Below this share of the way from chance to the run's best test accuracy, a network counts as lagging far behind.
BEHIND_SHARE = 0.5

# Profiles reported by Glorot and Bengio (2010) for deep tanh networks and by He et al. (2015) for ReLU networks.
TANH_EXPECTATIONS = {"standard": "shrinking", "xavier_uniform": "constant"}
RELU_EXPECTATIONS = {"kaiming_uniform": "constant", "xavier_uniform": "shrinking"}


@dataclasses.dataclass(frozen=True)
class Answer:
    """One answer: the question, its conclusion, the numbers behind it, and notes on method.

    ``body`` contains paragraphs (str) and bullet lists (list of str) in
    reading order. ``notes`` state thresholds, seeds and missing cells.
    """

    number: int
    question: str
    conclusion: str
    body: list = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    answered: bool = True

    @property
    def text(self) -> str:
        """Return every sentence of the answer as one string (question excluded)."""
        parts = [self.conclusion]
        for block in self.body:
            parts.extend(block if isinstance(block, list) else [block])
        return " ".join([*parts, *self.notes])


@dataclasses.dataclass(frozen=True)
class Profile:
    """The per-layer gradient profile of one (activation, initialisation, phase), over seeds."""

    ratio: float
    ratio_sd: float
    kind: str
    borderline: bool
    first_std: float
    last_std: float
    last_layer: int
    first_p5: float
    first_p95: float
    first_weight_std: float
    last_weight_std: float
    zero_fraction: float
    non_finite_fraction: float


@dataclasses.dataclass(frozen=True)
class Score:
    """The test accuracy of one (activation, initialisation) over seeds, with its divergences."""

    activation: str
    initialisation: str
    mean: float
    sd: float
    finished: int
    seeds: int
    diverged: int
    diverged_epochs: list
    history: list

    @property
    def ranked(self) -> bool:
        """Whether the score enters a ranking: no seed diverged and at least one seed gave an accuracy."""
        return self.diverged == 0 and self.finished > 0 and math.isfinite(self.mean)


@dataclasses.dataclass(frozen=True)
class RankedScore:
    """A score's rank; ``tied`` marks a rank shared with the score above because their gap is below the seed spread."""

    rank: int
    score: Score
    tied: bool


def mean_of(statistic) -> float:
    """Return the mean of an over-seed record, NaN when absent."""
    return finite(statistic.get("mean")) if statistic else math.nan


def sd_of(statistic) -> float:
    """Return the standard deviation of an over-seed record, NaN when absent or with one seed."""
    return finite(statistic.get("sd")) if statistic else math.nan


def classify_ratio(ratio: float) -> str:
    """Return "shrinking", "growing", "constant" or "unknown" for a spread ratio (see the module's thresholds)."""
    if not math.isfinite(ratio) or ratio <= 0:
        return "unknown"
    if ratio > PROFILE_FACTOR:
        return "shrinking"
    if ratio < 1 / PROFILE_FACTOR:
        return "growing"
    return "constant"


def printed_ratio(numerator: float, denominator: float) -> float:
    """Return numerator / denominator from both values as format_power prints them, rounded as format_factor prints it.

    NaN when either value is missing or not positive.
    """
    top, bottom = shown_power(numerator), shown_power(denominator)
    if not (math.isfinite(top) and math.isfinite(bottom)) or top <= 0 or bottom <= 0:
        return math.nan
    return shown_factor(top / bottom)


def profile_of(aggregate: dict) -> Profile:
    """Summarise one gradient aggregate: spread ratio, its class, and the numbers of layers 1 and N.

    The ratio divides the printed mean standard deviations of layer N and
    layer 1. With several seeds its sd is the seed-to-seed sd of the per-seed
    ratios of the summary.
    """
    layers = aggregate["layers"]
    first, last = layers[0], layers[-1]
    ratio = printed_ratio(mean_of(last["std"]), mean_of(first["std"]))
    ratio_sd = sd_of(aggregate["spread_ratio"])
    kind = classify_ratio(ratio)
    borderline = math.isfinite(ratio_sd) and classify_ratio(ratio - ratio_sd) != classify_ratio(ratio + ratio_sd)
    zero_fractions = [mean_of(layer["zero_fraction"]) for layer in layers]
    non_finite = [mean_of(layer.get("non_finite_fraction")) for layer in layers]
    return Profile(
        ratio=ratio,
        ratio_sd=ratio_sd,
        kind=kind,
        borderline=borderline,
        first_std=mean_of(first["std"]),
        last_std=mean_of(last["std"]),
        last_layer=int(last["layer"]),
        first_p5=mean_of(first["p5"]),
        first_p95=mean_of(first["p95"]),
        first_weight_std=mean_of(first.get("weight_gradient_std")),
        last_weight_std=mean_of(last.get("weight_gradient_std")),
        zero_fraction=_nan_mean(zero_fractions),
        non_finite_fraction=max((value for value in non_finite if math.isfinite(value)), default=0.0),
    )


def _nan_mean(values) -> float:
    """Return the mean of the finite ``values``, NaN with none."""
    kept = [value for value in values if math.isfinite(value)]
    return sum(kept) / len(kept) if kept else math.nan


def scale_change(before: dict, after: dict) -> float:
    """Return the geometric mean over layers of std(after) / std(before); NaN when no layer has both."""
    logs = []
    for layer_before, layer_after in zip(before["layers"], after["layers"]):
        std_before, std_after = mean_of(layer_before["std"]), mean_of(layer_after["std"])
        if std_before > 0 and std_after > 0 and math.isfinite(std_before) and math.isfinite(std_after):
            logs.append(math.log(std_after / std_before))
    return math.exp(sum(logs) / len(logs)) if logs else math.nan


def classify_scale(factor: float) -> str:
    """Return "larger", "smaller", "same" or "unknown" for a before-to-after factor, rounded as format_factor prints it."""
    factor = shown_factor(factor)
    if not math.isfinite(factor):
        return "unknown"
    if factor > SCALE_FACTOR:
        return "larger"
    if factor < 1 / SCALE_FACTOR:
        return "smaller"
    return "same"


def score_of(aggregate: dict) -> Score:
    """Return the test-accuracy score of one accuracy aggregate."""
    return Score(
        activation=aggregate["activation"],
        initialisation=aggregate["initialisation"],
        mean=mean_of(aggregate["test_acc"]),
        sd=sd_of(aggregate["test_acc"]),
        finished=int(aggregate["test_acc"].get("n") or 0) if aggregate.get("test_acc") else 0,
        seeds=int(aggregate.get("seeds", 1)),
        diverged=int(aggregate.get("diverged", 0)),
        diverged_epochs=list(aggregate.get("diverged_epochs") or []),
        history=list(aggregate.get("history") or []),
    )


def printed_accuracy(score: Score) -> float:
    """Return the score's mean test accuracy as format_percent prints it (two decimals)."""
    return shown_decimal(score.mean)


def accuracy_gap(first: Score, second: Score) -> float:
    """Return first minus second in percentage points, from the accuracies as printed, so the printed gap adds up."""
    return shown_decimal(printed_accuracy(first) - printed_accuracy(second))


def seed_spread(first: Score, second: Score) -> float:
    """Return the larger seed-to-seed standard deviation of two scores as format_points prints it; NaN unless both are known."""
    if math.isfinite(first.sd) and math.isfinite(second.sd):
        return shown_decimal(max(first.sd, second.sd))
    return math.nan


def rank_scores(scores: list[Score]) -> list[RankedScore]:
    """Rank the scores without divergence by mean test accuracy, best first.

    A score ties with the first score of the current rank when their gap is
    at most the larger of their seed-to-seed standard deviations, both as
    printed. With one seed that spread is unknown, so nothing ties. Comparing
    with the rank's first score, not the previous one, keeps a long chain of
    small gaps from merging distant scores.
    """
    ranked = sorted((score for score in scores if score.ranked), key=lambda score: -score.mean)
    rows: list[RankedScore] = []
    leader: RankedScore | None = None
    for position, score in enumerate(ranked, start=1):
        spread = seed_spread(leader.score, score) if leader else math.nan
        if leader is not None and math.isfinite(spread) and accuracy_gap(leader.score, score) <= spread:
            rows.append(RankedScore(leader.rank, score, True))
            continue
        leader = RankedScore(position, score, False)
        rows.append(leader)
    return rows


class Study:
    """The run's over-seed aggregates, looked up by activation, initialisation and phase."""

    def __init__(self, gradients: dict, accuracy: dict) -> None:
        self.gradients = {(item["activation"], item["initialisation"], item["phase"]): item for item in gradients.get("aggregate", [])}
        self.scores = {(item["activation"], item["initialisation"]): score_of(item) for item in accuracy.get("aggregate", [])}
        seeds = [item.get("seeds", 1) for item in [*gradients.get("aggregate", []), *accuracy.get("aggregate", [])]]
        self.seed_count = max(seeds, default=1)
        # A configured entry named like a lab scheme but with another scheme or gain is not the lab's cell.
        self.not_lab = {
            (cell["activation"], cell["initialisation"])
            for cell in accuracy.get("cells", [])
            if "scheme" in cell and (cell["scheme"] != cell["initialisation"] or cell.get("gain") is not None)
        }

    def gradient(self, activation: str, initialisation: str, phase: str) -> dict | None:
        """Return the gradient aggregate of one lab cell, or None when the grid lacks it."""
        if (activation, initialisation) in self.not_lab:
            return None
        return self.gradients.get((activation, initialisation, phase))

    def profile(self, activation: str, initialisation: str, phase: str) -> Profile | None:
        """Return the profile of one lab cell, or None when the grid lacks it."""
        aggregate = self.gradient(activation, initialisation, phase)
        return profile_of(aggregate) if aggregate else None

    def score(self, activation: str, initialisation: str) -> Score | None:
        """Return the test-accuracy score of one lab cell, or None when the grid lacks it."""
        if (activation, initialisation) in self.not_lab:
            return None
        return self.scores.get((activation, initialisation))

    def lab_initialisations(self, activation: str, phases=("before",), names=LAB_INITIALISATIONS) -> list[str]:
        """Return the lab initialisations among ``names`` that the run measured for ``activation`` in every phase."""
        return [name for name in names if all(self.gradient(activation, name, phase) for phase in phases)]


class Wording:
    """The answer sentences of one language, with its number formats and display names."""

    def __init__(self, translations: dict, language: str) -> None:
        self.language = language
        self.translations = translations
        self.strings = translations["answers"]
        self.activation_names = translations["activations"]
        self.scheme_names = translations["schemes"]

    def say(self, key: str, **params) -> str:
        """Return the sentence at dotted ``key`` (such as "q1.conclusion") with its placeholders filled."""
        template = self.strings
        for part in key.split("."):
            template = template[part]
        return template.format(**params)

    def initialisation(self, name: str) -> str:
        """Return the initialisation's name for running text, with the article that the language needs."""
        return initialisation_phrase(self.translations, name)

    def label(self, name: str) -> str:
        """Return the initialisation's bare name, for list items, orderings and brackets."""
        return self.scheme_names.get(name, name)

    def count(self, noun: str, count: float, **params) -> str:
        """Return a counted phrase, such as "1 seed" or "3 seeds", in the language's plural form."""
        return counted(self.translations, noun, count, self.language, **params)

    def epochs(self, epochs: list) -> str:
        """Return "epoch 3" or "epochs 1, 1 and 2" for the epochs at which seeds diverged."""
        return self.count("epoch_numbers", len(epochs), numbers=self.join([str(epoch) for epoch in epochs]) or "?")

    def activation(self, name: str) -> str:
        return self.activation_names.get(name, name)

    def join(self, items: list[str]) -> str:
        """Join ``items`` as "a, b and c" ("a, b et c")."""
        if len(items) <= 1:
            return "".join(items)
        return self.say("list_join", head=", ".join(items[:-1]), last=items[-1])

    def join_clauses(self, clauses: list[str]) -> str:
        """Join clauses that contain commas themselves, as the language's clause_join sets (French: separate sentences)."""
        if len(clauses) <= 1:
            return "".join(clauses)
        return self.say("clause_join", head=self.say("clause_separator").join(clauses[:-1]), last=clauses[-1])

    def std(self, value: float) -> str:
        return format_power(value, self.language)

    def factor(self, value: float) -> str:
        return format_factor(value, self.language)

    def percent(self, value: float, digits: int = 2) -> str:
        return format_percent(value, self.language, digits)

    def points(self, value: float, noun: str = "points") -> str:
        """Return a difference of percentages with its unit, such as "2.00 points" or "0,50 point"."""
        if not math.isfinite(value):
            return format_points(value, self.language)
        return self.count(noun, value, decimals=2)

    def ratio(self, profile: Profile) -> str:
        """Return the profile's spread ratio, as "mean ± sd" when several seeds give an sd."""
        sd = format_factor(profile.ratio_sd, self.language) if math.isfinite(profile.ratio_sd) else None
        return with_sd(self.factor(profile.ratio), sd)

    def kind(self, profile: Profile) -> str:
        """Return the profile's class as a verb phrase, flagged when the seed spread straddles a threshold."""
        phrase = self.say(f"profile.{profile.kind}")
        return phrase + self.say("profile.borderline") if profile.borderline else phrase

    def accuracy(self, score: Score) -> str:
        """Return a score's test accuracy as "mean ± sd", or the diverged mark."""
        if score.finished == 0 or not math.isfinite(score.mean):
            return self.say("diverged_mark")
        sd = format_points(score.sd, self.language) if math.isfinite(score.sd) else None
        return with_sd(self.percent(score.mean), sd)

    def divergence(self, score: Score) -> str:
        """Return the sentence that marks a score with diverged seeds as diverged and unranked."""
        epochs = self.epochs(score.diverged_epochs)
        if score.finished == 0:
            return self.say("diverged_all", initialisation=self.initialisation(score.initialisation), epochs=epochs)
        return self.say(
            "diverged_some",
            initialisation=self.initialisation(score.initialisation),
            diverged=score.diverged,
            seeds=score.seeds,
            diverged_seeds=self.count("seed", score.diverged),
            all_seeds=self.count("seed", score.seeds),
            epochs=epochs,
            accuracy=self.percent(score.mean),
        )

    def gap_verdict(self, first: Score, second: Score) -> str:
        """Say whether the printed gap between two scores exceeds the printed seed-to-seed standard deviation, or that it is unknown."""
        spread = seed_spread(first, second)
        if not math.isfinite(spread):
            return self.say("gap.unknown")
        key = "gap.exceeds" if abs(accuracy_gap(first, second)) > spread else "gap.within"
        return self.say(key, spread=self.points(spread))

    def missing_activation(self, number: int, activation: str) -> Answer:
        """Return the answer of a question whose activation the run did not train."""
        return Answer(
            number,
            self.say(f"q{number}.question"),
            self.say("missing.activation", activation=self.activation(activation)),
            answered=False,
        )

    def missing_cells(self, activation: str, missing: list[str], present: list[str]) -> list[str]:
        """Return a paragraph naming the lab initialisations absent from the grid, or nothing."""
        if not missing:
            return []
        return [
            self.say(
                "missing.cells",
                activation=self.activation(activation),
                missing=self.join([self.initialisation(name) for name in missing]),
                present=self.join([self.initialisation(name) for name in present]),
            )
        ]

    def thresholds(self) -> str:
        return self.say("thresholds", factor=self.factor(PROFILE_FACTOR), inverse=self.factor(1 / PROFILE_FACTOR))

    def learning_rule(self) -> str:
        """Return the note that states the thresholds of training_context and accuracy_context."""
        return self.say(
            "q3.learning_rule",
            margin=self.points(CHANCE_MARGIN_POINTS),
            chance_accuracy=self.percent(CHANCE_ACCURACY),
            behind=self.percent(100 * BEHIND_SHARE, digits=0),
            near_loss=self.percent(100 * NEAR_CHANCE_FRACTION, digits=0),
        )

    def seeds_note(self, seed_count: int) -> str:
        if seed_count <= 1:
            return self.say("seeds.one")
        return self.say("seeds.several", seeds=seed_count)

    def profile_numbers(self, name: str, profile: Profile) -> str:
        """Return the numbers behind one profile: layer-1 and layer-N std, the ratio and layer 1's central 90 %."""
        return self.say(
            "profile_numbers",
            initialisation=self.label(name),
            first=self.std(profile.first_std),
            last=self.std(profile.last_std),
            layer=profile.last_layer,
            ratio=self.ratio(profile),
            kind=self.kind(profile),
            p5=self.std(profile.first_p5),
            p95=self.std(profile.first_p95),
        )

    def expectations(self, activation: str, expectations: dict, source_key: str, study: Study, phase: str = "before") -> list[str]:
        """Compare each profile with what the literature reports, one sentence per initialisation."""
        sentences = []
        for name, expected in expectations.items():
            profile = study.profile(activation, name, phase)
            if profile is None:
                continue
            params = {
                "source": self.say(source_key),
                "initialisation": self.initialisation(name),
                "expected": self.say(f"profile.{expected}"),
                "found": self.kind(profile),
                "ratio": self.ratio(profile),
            }
            if profile.kind == "unknown":
                sentences.append(self.say("literature.unknown", **params))
            elif profile.kind == expected:
                sentences.append(self.say("literature.agrees", **params))
            else:
                sentences.append(self.say("literature.differs", **params))
        return sentences


def write_answers(gradients: dict, accuracy: dict, translations: dict, language: str) -> list[Answer]:
    """Write the seven answers in ``language`` from the summary JSON files' contents."""
    study = Study(gradients, accuracy)
    wording = Wording(translations, language)
    answers = [
        answer_initialisations_before(study, wording),
        answer_equal_variance(study, wording),
        answer_standard_after_training(study, wording),
        answer_performance(study, wording),
        answer_xavier_kaiming_after_training(study, wording),
        *answer_tanh_relu(study, wording),
    ]
    return [capitalised(answer) for answer in answers]


def _capitalise(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def capitalised(answer: Answer) -> Answer:
    """Return ``answer`` with every sentence starting with a capital, since some start with a scheme's name."""
    body = [[_capitalise(item) for item in block] if isinstance(block, list) else _capitalise(block) for block in answer.body]
    return dataclasses.replace(
        answer,
        conclusion=_capitalise(answer.conclusion),
        body=body,
        notes=[_capitalise(note) for note in answer.notes],
    )


def answer_initialisations_before(study: Study, wording: Wording) -> Answer:
    """Answer Q1: how the initialisations differ in the tanh histograms before training."""
    names = study.lab_initialisations("tanh")
    if not names:
        return wording.missing_activation(1, "tanh")
    profiles = {name: study.profile("tanh", name, "before") for name in names}

    kinds = {profile.kind for profile in profiles.values()}
    clauses = [wording.say("q1.clause", initialisation=wording.initialisation(name), kind=wording.kind(profile)) for name, profile in profiles.items()]
    if len(names) > 1 and len(kinds) == 1:
        conclusion = wording.say("q1.same_profile", kind=wording.kind(next(iter(profiles.values()))))
    else:
        conclusion = wording.say("q1.conclusion", clauses=wording.join_clauses(clauses))

    points = [wording.profile_numbers(name, profile) for name, profile in profiles.items()]
    paragraphs = []
    firsts = {name: profile.first_std for name, profile in profiles.items() if shown_power(profile.first_std) > 0}
    if len(firsts) >= 2:
        largest = max(firsts, key=firsts.get)
        smallest = min(firsts, key=firsts.get)
        factor = printed_ratio(firsts[largest], firsts[smallest])
        key = "q1.scale_differs" if factor > SCALE_FACTOR else "q1.scale_similar"
        paragraphs.append(
            wording.say(
                key,
                largest=wording.initialisation(largest),
                smallest=wording.initialisation(smallest),
                largest_std=wording.std(firsts[largest]),
                smallest_std=wording.std(firsts[smallest]),
                factor=wording.factor(factor),
                threshold=wording.factor(SCALE_FACTOR),
            )
        )
    paragraphs += wording.expectations("tanh", TANH_EXPECTATIONS, "literature.glorot", study)
    notes = [wording.thresholds(), wording.seeds_note(study.seed_count)]
    notes += wording.missing_cells("tanh", [name for name in LAB_INITIALISATIONS if name not in names], names)
    return Answer(1, wording.say("q1.question"), conclusion, [points, *paragraphs], notes)


def answer_equal_variance(study: Study, wording: Wording) -> Answer:
    """Answer Q2: why equal gradient variance across layers is desirable, with this run's imbalance as the example."""
    question = wording.say("q2.question")
    names = study.lab_initialisations("tanh")
    if not names:
        return Answer(2, question, wording.say("q2.reasoning"), [wording.say("missing.activation", activation=wording.activation("tanh"))], answered=False)

    paragraphs = []
    points = []
    standard = study.profile("tanh", "standard", "before")
    if standard is None:
        paragraphs.append(wording.say("q2.no_standard"))
    else:
        params = {
            "first": wording.std(standard.first_std),
            "last": wording.std(standard.last_std),
            "layer": standard.last_layer,
            "ratio": wording.ratio(standard),
            "factor": wording.factor(standard.ratio),
            "inverse": wording.factor(printed_ratio(standard.first_std, standard.last_std)),
            "threshold": wording.factor(PROFILE_FACTOR),
        }
        paragraphs.append(wording.say(f"q2.standard_{standard.kind}", **params))
        weight_ratio = printed_ratio(standard.last_weight_std, standard.first_weight_std)
        if math.isfinite(weight_ratio):
            weights_flat = classify_ratio(weight_ratio) == "constant"
            paragraphs.append(
                wording.say(
                    "q2.weights_flat" if weights_flat else "q2.weights_uneven",
                    first=wording.std(standard.first_weight_std),
                    last=wording.std(standard.last_weight_std),
                    layer=standard.last_layer,
                    ratio=wording.factor(weight_ratio),
                    threshold=wording.factor(PROFILE_FACTOR),
                )
            )
            if weights_flat and standard.kind in ("shrinking", "growing"):
                paragraphs[-1] += " " + wording.say("q2.imbalance_in_biases")
    for name in names:
        profile = study.profile("tanh", name, "before")
        points.append(
            wording.say(
                "q2.point",
                initialisation=wording.label(name),
                ratio=wording.ratio(profile),
                kind=wording.kind(profile),
                layer=profile.last_layer,
            )
        )
    return Answer(2, question, wording.say("q2.reasoning"), [*paragraphs, points], [wording.thresholds()])


def profile_change_params(wording, profile_before, profile_after, factor: float) -> dict:
    """Return the message parameters that describe a gradient profile before and after training."""
    return {
        "kind_before": wording.kind(profile_before),
        "kind_after": wording.kind(profile_after),
        "ratio_before": wording.ratio(profile_before),
        "ratio_after": wording.ratio(profile_after),
        "factor": wording.factor(factor),
        "inverse": wording.factor(1 / factor) if factor > 0 else "—",
        "threshold": wording.factor(SCALE_FACTOR),
    }


def answer_standard_after_training(study: Study, wording: Wording) -> Answer:
    """Answer Q3: how the standard initialisation's tanh histogram changes with training."""
    question = wording.say("q3.question")
    before = study.gradient("tanh", "standard", "before")
    after = study.gradient("tanh", "standard", "after")
    if not study.lab_initialisations("tanh", ("before",), LAB_INITIALISATIONS):
        return wording.missing_activation(3, "tanh")
    if before is None or after is None:
        text = wording.say("missing.cell", activation=wording.activation("tanh"), initialisation=wording.initialisation("standard"))
        return Answer(3, question, text, answered=False)

    profile_before, profile_after = profile_of(before), profile_of(after)
    factor = scale_change(before, after)
    change = classify_scale(factor)
    params = profile_change_params(wording, profile_before, profile_after, factor)
    same_profile = profile_before.kind == profile_after.kind
    if same_profile and change == "same":
        conclusion = wording.say("q3.unchanged", **params)
    else:
        scale = wording.say(f"scale.{change}", **params)
        profile_key = "profile_kept" if same_profile else "profile_changed"
        conclusion = wording.say("q3.changed", scale=scale, profile=wording.say(profile_key, **params))

    points = []
    for index, label in ((0, 1), (-1, profile_before.last_layer)):
        layer_before, layer_after = before["layers"][index], after["layers"][index]
        points.append(
            wording.say(
                "q3.layer",
                layer=label,
                std_before=wording.std(mean_of(layer_before["std"])),
                std_after=wording.std(mean_of(layer_after["std"])),
                p5_before=wording.std(mean_of(layer_before["p5"])),
                p95_before=wording.std(mean_of(layer_before["p95"])),
                p5_after=wording.std(mean_of(layer_after["p5"])),
                p95_after=wording.std(mean_of(layer_after["p95"])),
            )
        )

    paragraphs = []
    notes = [wording.say("scale_rule", threshold=wording.factor(SCALE_FACTOR)), wording.thresholds()]
    score = study.score("tanh", "standard")
    if score is not None:
        sentences = training_context(score, wording) + accuracy_context(score, best_score(study), wording)
        if sentences:
            paragraphs.append(" ".join(sentences))
            notes.append(wording.learning_rule())
    if profile_after.non_finite_fraction > 0:
        paragraphs.append(wording.say("q3.non_finite", fraction=wording.percent(100 * profile_after.non_finite_fraction)))
    return Answer(3, question, conclusion, [points, *paragraphs], notes)


def training_context(score: Score, wording: Wording) -> list[str]:
    """Describe how far one training got: divergence, or its loss against the chance level ln 10."""
    if score.diverged:
        return [wording.divergence(score)]
    if not score.history:
        return []
    first_loss = mean_of(score.history[0].get("loss"))
    last_loss = mean_of(score.history[-1].get("loss"))
    params = {
        "first": wording.factor(first_loss),
        "last": wording.factor(last_loss),
        "epochs": len(score.history),
        "chance": wording.factor(CHANCE_LOSS),
    }
    near_chance = shown_factor(last_loss) > shown_factor(NEAR_CHANCE_FRACTION * CHANCE_LOSS)
    key = "q3.near_chance" if near_chance else "q3.learned"
    if len(score.history) == 1:
        key += "_single"
    return [wording.say(key, **params)]


def best_score(study: Study) -> Score | None:
    """Return the score with the highest test accuracy among the run's ranked trainings, lab grid or not."""
    ranked = [score for score in study.scores.values() if score.ranked]
    return max(ranked, key=lambda score: score.mean, default=None)


def accuracy_context(score: Score, best: Score | None, wording: Wording) -> list[str]:
    """Place one training's test accuracy between chance level and the run's best, by the thresholds of learning_rule.

    Returns nothing for a training without a ranked accuracy.
    """
    if not score.ranked:
        return []
    accuracy = printed_accuracy(score)
    params = {
        "accuracy": wording.accuracy(score),
        "chance_accuracy": wording.percent(CHANCE_ACCURACY),
        "margin": wording.points(CHANCE_MARGIN_POINTS),
    }
    if accuracy < CHANCE_ACCURACY - CHANCE_MARGIN_POINTS:
        return [wording.say("q3.accuracy_below_chance", **params)]
    if accuracy <= CHANCE_ACCURACY + CHANCE_MARGIN_POINTS:
        return [wording.say("q3.accuracy_chance", **params)]
    if best is None or printed_accuracy(best) <= accuracy:
        return [wording.say("q3.accuracy_best", **params)]
    # Both accuracies are more than CHANCE_MARGIN_POINTS above chance here, so the denominator is positive.
    share = shown_decimal(100 * (accuracy - CHANCE_ACCURACY) / (printed_accuracy(best) - CHANCE_ACCURACY), 0)
    params |= {
        "share": wording.percent(share, digits=0),
        "behind": wording.percent(100 * BEHIND_SHARE, digits=0),
        "best_accuracy": wording.accuracy(best),
        "best": wording.say("q3.best_cell", activation=wording.activation(best.activation), initialisation=wording.initialisation(best.initialisation)),
    }
    key = "q3.accuracy_behind" if share < 100 * BEHIND_SHARE else "q3.accuracy_progress"
    return [wording.say(key, **params)]


def answer_performance(study: Study, wording: Wording) -> Answer:
    """Answer Q4: how the three initialisations of the tanh network compare in test accuracy and training curves."""
    question = wording.say("q4.question")
    scores = [study.score("tanh", name) for name in LAB_INITIALISATIONS]
    scores = [score for score in scores if score is not None]
    if not scores:
        return wording.missing_activation(4, "tanh")

    ranking = rank_scores(scores)
    unranked = [score for score in scores if not score.ranked]
    conclusion = ranking_sentence(ranking, wording)
    paragraphs = [wording.divergence(score) for score in unranked]

    gaps = []
    for above, below in zip(ranking, ranking[1:]):
        gaps.append(
            wording.say(
                "q4.gap",
                above=wording.initialisation(above.score.initialisation),
                below=wording.initialisation(below.score.initialisation),
                gap=wording.points(accuracy_gap(above.score, below.score)),
                verdict=wording.gap_verdict(above.score, below.score),
            )
        )
    curves = []
    for score in scores:
        if score.history:
            first, last = score.history[0], score.history[-1]
            curves.append(
                wording.say(
                    "q4.curves" if len(score.history) > 1 else "q4.curves_single",
                    initialisation=wording.label(score.initialisation),
                    first_val=wording.percent(mean_of(first.get("val_acc"))),
                    last_val=wording.percent(mean_of(last.get("val_acc"))),
                    last_train=wording.percent(mean_of(last.get("acc"))),
                    first_loss=wording.factor(mean_of(first.get("loss"))),
                    last_loss=wording.factor(mean_of(last.get("loss"))),
                    epochs=len(score.history),
                )
            )

    body = [*paragraphs, gaps, curves, *flattest_profile_sentence(study, ranking, wording)]
    present = [score.initialisation for score in scores]
    notes = [wording.seeds_note(study.seed_count)]
    notes += wording.missing_cells("tanh", [name for name in LAB_INITIALISATIONS if name not in present], present)
    return Answer(4, question, conclusion, [block for block in body if block], notes)


def ranking_sentence(ranking: list[RankedScore], wording: Wording) -> str:
    """Return the ranking as a sentence, best first, naming the ties."""
    if not ranking:
        return wording.say("q4.none_finished")
    entries = [wording.say("q4.entry", initialisation=wording.initialisation(row.score.initialisation), accuracy=wording.accuracy(row.score)) for row in ranking]
    if len(ranking) == 1:
        sentence = wording.say("q4.single", entry=entries[0])
    else:
        sentence = wording.say("q4.ranking", best=entries[0], rest=wording.join(entries[1:]))
    ties = [row for row in ranking if row.tied]
    for row in ties:
        leader = next(other for other in ranking if other.rank == row.rank and not other.tied)
        sentence += " " + wording.say(
            "q4.tie",
            first=wording.initialisation(leader.score.initialisation),
            second=wording.initialisation(row.score.initialisation),
            gap=wording.points(accuracy_gap(leader.score, row.score)),
            spread=wording.points(seed_spread(leader.score, row.score)),
        )
    return sentence


def flattest_profile_sentence(study: Study, ranking: list[RankedScore], wording: Wording) -> list[str]:
    """Say whether the initialisation with the flattest tanh profile before training is also the most accurate."""
    profiles = {name: study.profile("tanh", name, "before") for name in LAB_INITIALISATIONS}
    profiles = {name: profile for name, profile in profiles.items() if profile and profile.kind != "unknown"}
    if len(profiles) < 2 or not ranking:
        return []
    flattest = min(profiles, key=lambda name: abs(math.log(profiles[name].ratio)))
    best = [row.score.initialisation for row in ranking if row.rank == 1]
    key = "q4.flattest_best" if flattest in best else "q4.flattest_not_best"
    return [
        wording.say(
            key,
            flattest=wording.initialisation(flattest),
            ratio=wording.ratio(profiles[flattest]),
            best=wording.join([wording.initialisation(name) for name in best]),
        )
    ]


def answer_xavier_kaiming_after_training(study: Study, wording: Wording) -> Answer:
    """Answer Q5: how the Xavier and Kaiming tanh histograms change between before and after training."""
    question = wording.say("q5.question")
    names = study.lab_initialisations("tanh", ("before", "after"), ("xavier_uniform", "kaiming_uniform"))
    if not study.lab_initialisations("tanh"):
        return wording.missing_activation(5, "tanh")
    if not names:
        text = wording.say(
            "missing.cell",
            activation=wording.activation("tanh"),
            initialisation=wording.join([wording.initialisation("xavier_uniform"), wording.initialisation("kaiming_uniform")]),
        )
        return Answer(5, question, text, answered=False)

    factors = {}
    points = []
    for name in names:
        before = study.gradient("tanh", name, "before")
        after = study.gradient("tanh", name, "after")
        factor = scale_change(before, after)
        factors[name] = factor
        profile_before, profile_after = profile_of(before), profile_of(after)
        params = {
            "initialisation": wording.label(name),
            **profile_change_params(wording, profile_before, profile_after, factor),
            "first_before": wording.std(profile_before.first_std),
            "first_after": wording.std(profile_after.first_std),
            "last_before": wording.std(profile_before.last_std),
            "last_after": wording.std(profile_after.last_std),
            "layer": profile_before.last_layer,
        }
        profile_key = "profile_kept" if profile_before.kind == profile_after.kind else "profile_changed"
        points.append(
            wording.say(
                "q5.point",
                initialisation=params["initialisation"],
                scale=wording.say(f"scale.{classify_scale(factor)}", **params),
                profile=wording.say(profile_key, **params),
                numbers=wording.say("q5.numbers", **params),
            )
        )

    known = {name: factor for name, factor in factors.items() if math.isfinite(factor) and factor > 0}
    if len(known) == 2:
        changes = {name: classify_scale(factor) for name, factor in known.items()}
        if set(changes.values()) == {"same"}:
            conclusion = wording.say("q5.neither_changes", threshold=wording.factor(SCALE_FACTOR))
        else:
            more, less = sorted(known, key=lambda name: -abs(math.log(known[name])))
            conclusion = wording.say("q5.more_change", more=wording.initialisation(more), less=wording.initialisation(less))
    elif len(names) == 1:
        conclusion = wording.say("q5.single", initialisation=wording.initialisation(names[0]))
    else:
        unknown = [name for name in names if name not in known]
        conclusion = wording.say("q5.not_measured", initialisation=wording.join([wording.initialisation(name) for name in unknown]))
    notes = [wording.say("scale_rule", threshold=wording.factor(SCALE_FACTOR)), wording.thresholds()]
    notes += wording.missing_cells("tanh", [name for name in ("xavier_uniform", "kaiming_uniform") if name not in names], names)
    return Answer(5, question, conclusion, [points], notes)


def answer_tanh_relu(study: Study, wording: Wording) -> list[Answer]:
    """Answer Q6 and Q7: what is similar and what differs between the tanh and ReLU networks."""
    for activation in LAB_ACTIVATIONS:
        if not study.lab_initialisations(activation):
            return [wording.missing_activation(6, activation), wording.missing_activation(7, activation)]
    names = [name for name in study.lab_initialisations("tanh") if name in study.lab_initialisations("relu")]
    if not names:
        text = wording.say("missing.no_common")
        return [Answer(number, wording.say(f"q{number}.question"), text, answered=False) for number in (6, 7)]

    similarities, differences = compare_networks(study, names, wording)
    criterion = wording.say("close.seeds" if study.seed_count > 1 else "close.one_seed", points=wording.points(CLOSE_ACCURACY_POINTS, "percentage_points"))
    missing = wording.missing_cells("relu", [name for name in LAB_INITIALISATIONS if name not in names], names)

    notes = [criterion, wording.thresholds(), wording.say("scale_rule", threshold=wording.factor(SCALE_FACTOR)), *missing]
    literature = wording.expectations("relu", RELU_EXPECTATIONS, "literature.he", study)
    similar = Answer(6, wording.say("q6.question"), similarities[0] if similarities else wording.say("q6.none"), [similarities[1:]] if similarities[1:] else [], notes)
    different = Answer(
        7,
        wording.say("q7.question"),
        differences[0] if differences else wording.say("q7.none"),
        [*([differences[1:]] if differences[1:] else []), *literature],
        notes,
    )
    return [similar, different]


def accuracies_close(first: Score, second: Score) -> bool:
    """Return whether two printed accuracies count as close: within the seed spread, or CLOSE_ACCURACY_POINTS with one seed."""
    spread = seed_spread(first, second)
    limit = spread if math.isfinite(spread) else CLOSE_ACCURACY_POINTS
    return abs(accuracy_gap(first, second)) <= limit


def compare_networks(study: Study, names: list[str], wording: Wording) -> tuple[list[str], list[str]]:
    """Return (similarities, differences) between the tanh and ReLU networks, most telling first.

    Compared: the ranking of the initialisations, each initialisation's profile
    before training, its test accuracy, exact zeros, and how training changes
    the gradients' size.
    """
    similarities: list[str] = []
    differences: list[str] = []

    def add(is_similar: bool, sentence: str) -> None:
        (similarities if is_similar else differences).append(sentence)

    compare_rankings(study, names, wording, add)
    for name in names:
        compare_profiles(study, name, wording, add)
    for name in names:
        compare_accuracies(study, name, wording, add)
    compare_zeros(study, names, wording, add)
    for name in names:
        compare_training_change(study, name, wording, add)
    return similarities, differences


def compare_rankings(study: Study, names: list[str], wording: Wording, add) -> None:
    """Compare the order of the initialisations by test accuracy in the two networks."""
    orders = {}
    for activation in LAB_ACTIVATIONS:
        scores = [study.score(activation, name) for name in names]
        ranking = rank_scores([score for score in scores if score is not None])
        orders[activation] = [row.score.initialisation for row in ranking]
    if len(orders["tanh"]) < 2 or set(orders["tanh"]) != set(orders["relu"]):
        return
    described = {activation: " > ".join(wording.label(name) for name in order) for activation, order in orders.items()}
    if orders["tanh"] == orders["relu"]:
        add(True, wording.say("compare.same_ranking", order=described["tanh"]))
    else:
        add(False, wording.say("compare.other_ranking", tanh=described["tanh"], relu=described["relu"]))


def compare_profiles(study: Study, name: str, wording: Wording, add) -> None:
    """Compare one initialisation's gradient profile before training in the two networks."""
    tanh = study.profile("tanh", name, "before")
    relu = study.profile("relu", name, "before")
    params = {
        "initialisation": wording.initialisation(name),
        "kind_tanh": wording.kind(tanh),
        "kind_relu": wording.kind(relu),
        "ratio_tanh": wording.ratio(tanh),
        "ratio_relu": wording.ratio(relu),
    }
    if "unknown" in (tanh.kind, relu.kind):
        return
    if tanh.kind != relu.kind:
        add(False, wording.say("compare.profile_differs", **params))
        return
    add(True, wording.say("compare.profile_same", **params))
    strengths = {activation: max(profile.ratio, 1 / profile.ratio) for activation, profile in (("tanh", tanh), ("relu", relu))}
    stronger = max(strengths, key=strengths.get)
    weaker = min(strengths, key=strengths.get)
    if tanh.kind != "constant" and strengths[stronger] / strengths[weaker] > PROFILE_FACTOR:
        add(False, wording.say("compare.profile_stronger", **params, stronger=wording.activation(stronger)))


def compare_accuracies(study: Study, name: str, wording: Wording, add) -> None:
    """Compare one initialisation's test accuracy in the two networks."""
    tanh = study.score("tanh", name)
    relu = study.score("relu", name)
    if tanh is None or relu is None:
        return
    for score in (tanh, relu):
        if not score.ranked:
            add(False, wording.say("compare.diverged", initialisation=wording.initialisation(name), activation=wording.activation(score.activation)))
            return
    gap = accuracy_gap(tanh, relu)
    params = {
        "initialisation": wording.initialisation(name),
        "tanh": wording.accuracy(tanh),
        "relu": wording.accuracy(relu),
        "gap": wording.points(abs(gap)),
        "better": wording.activation("tanh" if gap >= 0 else "relu"),
        "verdict": wording.gap_verdict(tanh, relu),
    }
    close = accuracies_close(tanh, relu)
    add(close, wording.say("compare.accuracy_close" if close else "compare.accuracy_apart", **params))


def compare_zeros(study: Study, names: list[str], wording: Wording, add) -> None:
    """Compare the share of exactly-zero bias gradients before training, averaged over layers and initialisations."""
    shares = {}
    for activation in LAB_ACTIVATIONS:
        shares[activation] = _nan_mean([study.profile(activation, name, "before").zero_fraction for name in names])
    if not all(math.isfinite(share) for share in shares.values()):
        return
    params = {"tanh": wording.percent(100 * shares["tanh"]), "relu": wording.percent(100 * shares["relu"])}
    noticeable = {activation: shown_decimal(100 * share) >= 100 * NOTICEABLE_ZERO_FRACTION for activation, share in shares.items()}
    if noticeable["tanh"] == noticeable["relu"]:
        add(True, wording.say("compare.zeros_both" if noticeable["tanh"] else "compare.zeros_neither", **params))
    else:
        add(False, wording.say("compare.zeros_relu" if noticeable["relu"] else "compare.zeros_tanh", **params))


def compare_training_change(study: Study, name: str, wording: Wording, add) -> None:
    """Compare how training changes one initialisation's gradient size in the two networks."""
    factors = {}
    for activation in LAB_ACTIVATIONS:
        before = study.gradient(activation, name, "before")
        after = study.gradient(activation, name, "after")
        if before is None or after is None:
            return
        factors[activation] = scale_change(before, after)
    changes = {activation: classify_scale(factor) for activation, factor in factors.items()}
    if "unknown" in changes.values():
        return
    params = {
        "initialisation": wording.initialisation(name),
        "factor_tanh": wording.factor(factors["tanh"]),
        "factor_relu": wording.factor(factors["relu"]),
        "change_tanh": wording.say(f"change.{changes['tanh']}"),
        "change_relu": wording.say(f"change.{changes['relu']}"),
    }
    if changes["tanh"] == changes["relu"]:
        add(True, wording.say("compare.training_same", **params))
    else:
        add(False, wording.say("compare.training_differs", **params))
