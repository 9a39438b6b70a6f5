"""The seven answers follow the numbers: hand-built summaries that agree with the literature, contradict it,
tie, diverge, or lack cells, checked in English and in French."""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import pytest

from initlab.answers import (
    PROFILE_FACTOR,
    Score,
    classify_ratio,
    classify_scale,
    rank_scores,
    write_answers,
)
from initlab.translations import load_translations

TRANSLATIONS = Path(__file__).resolve().parents[1] / "report" / "i18n"
LANGUAGES = ("en", "fr")
LAYERS = 5

# Per-layer bias-gradient standard deviations, layer 1 first.
SHRINKING = [1e-4, 2e-4, 4e-4, 7e-4, 1e-3]  # ratio 10: shrinks towards the input
FLAT = [1e-2, 1e-2, 1e-2, 1e-2, 1e-2]  # ratio 1
GROWING = [2e-2, 1.8e-2, 1.6e-2, 1.4e-2, 1.2e-2]  # ratio 0.6: grows towards the input


def stat(mean, sd=None, n=1) -> dict:
    return {"mean": mean, "sd": sd, "n": n}


def gradient_aggregate(activation, initialisation, phase, stds, seeds=1, ratio_sd=None, zero_fraction=0.0, weight_stds=None) -> dict:
    weight_stds = weight_stds or [3e-4] * len(stds)
    layers = [
        {
            "layer": index + 1,
            "std": stat(std, n=seeds),
            "mean_abs": stat(0.8 * std, n=seeds),
            "p5": stat(-1.6 * std, n=seeds),
            "p95": stat(1.6 * std, n=seeds),
            "zero_fraction": stat(zero_fraction, n=seeds),
            "non_finite_fraction": stat(0.0, n=seeds),
            "weight_gradient_std": stat(weight, n=seeds),
            "activation_std": stat(0.5, n=seeds),
        }
        for index, (std, weight) in enumerate(zip(stds, weight_stds))
    ]
    return {
        "activation": activation,
        "initialisation": initialisation,
        "phase": phase,
        "seeds": seeds,
        "spread_ratio": stat(stds[-1] / stds[0], ratio_sd, seeds),
        "layers": layers,
    }


def accuracy_aggregate(activation, initialisation, mean, sd=None, seeds=1, diverged=0, diverged_epochs=(), final_loss=1.0) -> dict:
    finished = seeds - diverged
    history = [
        {"epoch": 1, "loss": stat(2.2), "acc": stat(mean / 2), "val_loss": stat(2.1), "val_acc": stat(mean / 2)},
        {"epoch": 2, "loss": stat(final_loss), "acc": stat(mean), "val_loss": stat(final_loss), "val_acc": stat(mean)},
    ]
    return {
        "activation": activation,
        "initialisation": initialisation,
        "seeds": seeds,
        "diverged": diverged,
        "diverged_epochs": list(diverged_epochs),
        "test_acc": stat(mean if finished else None, sd, finished),
        "test_loss": stat(1.0 if finished else None, None, finished),
        "final_acc": stat(mean if finished else None, None, finished),
        "final_val_acc": stat(mean if finished else None, None, finished),
        "history": history if finished else [],
    }


# The textbook run: what Glorot and Bengio (2010) and He et al. (2015) describe.
TEXTBOOK_PROFILES = {
    ("tanh", "standard"): SHRINKING,
    ("tanh", "xavier_uniform"): FLAT,
    ("tanh", "kaiming_uniform"): GROWING,
    ("relu", "standard"): [1e-5, 4e-5, 1.6e-4, 6.4e-4, 2.5e-3],
    ("relu", "xavier_uniform"): [2.5e-3, 3.5e-3, 5e-3, 7e-3, 1e-2],
    ("relu", "kaiming_uniform"): FLAT,
}
TEXTBOOK_ACCURACY = {
    ("tanh", "standard"): 40.0,
    ("tanh", "xavier_uniform"): 50.0,
    ("tanh", "kaiming_uniform"): 52.0,
    ("relu", "standard"): 20.0,
    ("relu", "xavier_uniform"): 45.0,
    ("relu", "kaiming_uniform"): 51.0,
}


def build_summaries(profiles=None, accuracies=None, after_scale=None, seeds=1, sds=None, relu_zeros=0.2, diverged=None) -> tuple[dict, dict]:
    """Return (gradients, accuracy) summary contents; ``after_scale`` multiplies a cell's stds after training."""
    profiles = TEXTBOOK_PROFILES if profiles is None else profiles
    accuracies = TEXTBOOK_ACCURACY if accuracies is None else accuracies
    after_scale = after_scale or {}
    sds = sds or {}
    diverged = diverged or {}
    gradients, scores = [], []
    for (activation, name), stds in profiles.items():
        zero_fraction = relu_zeros if activation == "relu" else 0.0
        for phase in ("before", "after"):
            factor = after_scale.get((activation, name), 1.0) if phase == "after" else 1.0
            gradients.append(gradient_aggregate(activation, name, phase, [std * factor for std in stds], seeds, zero_fraction=zero_fraction))
    for (activation, name), mean in accuracies.items():
        epochs = diverged.get((activation, name), ())
        scores.append(
            accuracy_aggregate(activation, name, mean, sds.get((activation, name)), seeds, diverged=len(epochs), diverged_epochs=epochs)
        )
    return {"cells": [], "aggregate": gradients}, {"cells": [], "aggregate": scores}


def answers_of(gradients: dict, accuracy: dict, language: str) -> dict[int, object]:
    translations = load_translations(TRANSLATIONS, language)
    return {answer.number: answer for answer in write_answers(gradients, accuracy, translations, language)}


@pytest.fixture(scope="module")
def textbook() -> dict[str, dict]:
    gradients, accuracy = build_summaries()
    return {language: answers_of(gradients, accuracy, language) for language in LANGUAGES}


def test_classify_ratio_thresholds() -> None:
    assert classify_ratio(PROFILE_FACTOR * 1.01) == "shrinking"
    assert classify_ratio(PROFILE_FACTOR) == "constant"
    assert classify_ratio(1.0) == "constant"
    assert classify_ratio(1 / PROFILE_FACTOR) == "constant"
    assert classify_ratio(0.99 / PROFILE_FACTOR) == "growing"
    assert classify_ratio(math.nan) == "unknown"
    assert classify_ratio(0.0) == "unknown"


def test_classify_scale_thresholds() -> None:
    assert classify_scale(1.0) == "same"
    assert classify_scale(2.0) == "larger"
    assert classify_scale(0.5) == "smaller"
    assert classify_scale(math.nan) == "unknown"


def score(name: str, mean: float, sd: float = math.nan, diverged: int = 0) -> Score:
    finished = 0 if diverged else 3
    return Score("tanh", name, mean, sd, finished, 3, diverged, [2] if diverged else [], [])


def test_rank_scores_one_seed_has_no_ties() -> None:
    ranking = rank_scores([score("a", 50.0), score("b", 49.9), score("c", 60.0)])
    assert [row.score.initialisation for row in ranking] == ["c", "a", "b"]
    assert [row.rank for row in ranking] == [1, 2, 3]
    assert not any(row.tied for row in ranking)


def test_rank_scores_ties_within_seed_spread() -> None:
    ranking = rank_scores([score("a", 50.0, 1.0), score("b", 49.5, 1.0), score("c", 45.0, 1.0)])
    assert [(row.score.initialisation, row.rank, row.tied) for row in ranking] == [("a", 1, False), ("b", 1, True), ("c", 3, False)]


def test_rank_scores_does_not_chain_ties() -> None:
    # b ties a, c ties b but not a: c starts a new rank.
    ranking = rank_scores([score("a", 50.0, 0.6), score("b", 49.5, 0.6), score("c", 49.0, 0.6)])
    assert [(row.rank, row.tied) for row in ranking] == [(1, False), (1, True), (3, False)]


def test_rank_scores_leaves_out_diverged() -> None:
    ranking = rank_scores([score("a", 50.0), score("b", math.nan, diverged=1)])
    assert [row.score.initialisation for row in ranking] == ["a"]


def test_every_answer_present_in_both_languages(textbook: dict) -> None:
    for language in LANGUAGES:
        assert sorted(textbook[language]) == [1, 2, 3, 4, 5, 6, 7]
        for answer in textbook[language].values():
            assert answer.answered, answer.number
            assert answer.question and answer.conclusion
            assert "{" not in answer.text, f"unfilled placeholder in answer {answer.number}"


def test_textbook_q1_agrees_with_literature(textbook: dict) -> None:
    english = textbook["en"][1]
    assert "with the standard initialisation it shrinks towards the input" in english.conclusion
    assert "with Xavier (uniform) it keeps about the same size in every layer" in english.conclusion
    assert "with Kaiming (uniform) it grows towards the input" in english.conclusion
    assert "as Glorot and Bengio (2010) report" in english.text
    assert "shows otherwise" not in english.text

    french = textbook["fr"][1]
    assert "Avec l'initialisation standard, le gradient diminue en revenant vers l'entrée." in french.conclusion
    assert "Avec l'initialisation de Kaiming (uniforme), le gradient augmente en revenant vers l'entrée." in french.conclusion
    assert ";" not in french.conclusion
    assert "comme le rapportent Glorot et Bengio (2010)" in french.text
    assert "montre autre chose" not in french.text


def test_flat_standard_contradicts_literature() -> None:
    profiles = dict(TEXTBOOK_PROFILES)
    profiles[("tanh", "standard")] = FLAT
    gradients, accuracy = build_summaries(profiles=profiles)
    english = answers_of(gradients, accuracy, "en")
    french = answers_of(gradients, accuracy, "fr")

    assert "This run shows otherwise: it keeps about the same size in every layer" in english[1].text
    assert "Cette exécution montre autre chose : il garde à peu près la même taille" in french[1].text
    assert "does not show the problem" in english[2].text
    assert "ne montre pas ce problème" in french[2].text


def test_all_flat_profiles_share_one_kind() -> None:
    profiles = {key: FLAT for key in TEXTBOOK_PROFILES}
    gradients, accuracy = build_summaries(profiles=profiles)
    english = answers_of(gradients, accuracy, "en")
    french = answers_of(gradients, accuracy, "fr")

    assert english[1].conclusion.startswith("Before training, the initialisations give the same kind of profile")
    assert french[1].conclusion.startswith("Avant l'entraînement, toutes les initialisations donnent le même genre de profil")
    assert "Their scales are close" in english[1].text
    # He et al. expect Xavier to shrink the ReLU gradient; a flat one contradicts them.
    assert "He et al. (2015) lead one to expect that the gradient shrinks towards the input. This run shows otherwise" in english[7].text


def test_q2_gives_this_runs_factor(textbook: dict) -> None:
    # SHRINKING has layer 5 ten times layer 1.
    assert "10.0 times smaller than at layer 5" in textbook["en"][2].text
    assert "about 10.0 times more slowly" in textbook["en"][2].text
    assert "10,0 fois moins qu'à la couche 5" in textbook["fr"][2].text


def test_q2_growing_standard_describes_opposite_imbalance() -> None:
    profiles = dict(TEXTBOOK_PROFILES)
    profiles[("tanh", "standard")] = GROWING
    gradients, accuracy = build_summaries(profiles=profiles)
    assert "opposite imbalance" in answers_of(gradients, accuracy, "en")[2].text
    assert "déséquilibre inverse" in answers_of(gradients, accuracy, "fr")[2].text


def test_q3_unchanged_after_training(textbook: dict) -> None:
    assert textbook["en"][3].conclusion.startswith("After training, the standard initialisation's histogram is almost the same as before")
    assert textbook["fr"][3].conclusion.startswith("Après l'entraînement, l'histogramme de l'initialisation standard est presque identique")


def test_q3_smaller_gradients_after_training() -> None:
    gradients, accuracy = build_summaries(after_scale={("tanh", "standard"): 1 / 3})
    english = answers_of(gradients, accuracy, "en")[3]
    french = answers_of(gradients, accuracy, "fr")[3]
    assert "became 3.00 times smaller on average" in english.conclusion
    assert "sont devenus en moyenne 3,00 fois plus petits" in french.conclusion


def test_q3_profile_change_is_named() -> None:
    profiles = dict(TEXTBOOK_PROFILES)
    gradients, accuracy = build_summaries(profiles=profiles)
    after = next(item for item in gradients["aggregate"] if item["activation"] == "tanh" and item["initialisation"] == "standard" and item["phase"] == "after")
    after.update(gradient_aggregate("tanh", "standard", "after", FLAT))
    english = answers_of(gradients, accuracy, "en")[3]
    assert "the profile changed: before training the gradient shrinks towards the input" in english.conclusion


def test_q4_textbook_ranking(textbook: dict) -> None:
    english = textbook["en"][4]
    assert english.conclusion.startswith("The best test accuracy comes from Kaiming (uniform) at 52.00%")
    assert "With one seed the seed-to-seed spread is unknown" in english.text
    assert "These numbers come from a single seed" in english.text
    french = textbook["fr"][4]
    assert french.conclusion.startswith("La meilleure exactitude en test revient à l'initialisation de Kaiming (uniforme) avec 52,00\u00a0%")
    assert "Avec un seul germe, on ignore la variation" in french.text


def test_q4_reversed_ranking() -> None:
    accuracies = dict(TEXTBOOK_ACCURACY)
    accuracies[("tanh", "standard")] = 60.0
    accuracies[("tanh", "kaiming_uniform")] = 30.0
    gradients, accuracy = build_summaries(accuracies=accuracies)
    english = answers_of(gradients, accuracy, "en")[4]
    french = answers_of(gradients, accuracy, "fr")[4]

    assert english.conclusion.startswith("The best test accuracy comes from the standard initialisation at 60.00%")
    assert english.conclusion.endswith("Kaiming (uniform) at 30.00%.")
    assert "but it is not the most accurate here: the standard initialisation is." in english.text
    assert french.conclusion.startswith("La meilleure exactitude en test revient à l'initialisation standard avec 60,00\u00a0%")
    assert "ce n'est pas l'initialisation la plus exacte ici : c'est l'initialisation standard." in french.text


def test_q4_flattest_is_best_in_textbook_order() -> None:
    accuracies = dict(TEXTBOOK_ACCURACY)
    accuracies[("tanh", "xavier_uniform")] = 55.0
    gradients, accuracy = build_summaries(accuracies=accuracies)
    expected = "Before training, Xavier (uniform) gives the gradient that is the most even across layers (ratio 1.00), and it is also the most accurate."
    assert expected in answers_of(gradients, accuracy, "en")[4].text


def test_diverged_cell_is_never_ranked() -> None:
    gradients, accuracy = build_summaries(diverged={("tanh", "kaiming_uniform"): (3,)})
    english = answers_of(gradients, accuracy, "en")
    french = answers_of(gradients, accuracy, "fr")

    assert "Kaiming" not in english[4].conclusion
    assert english[4].conclusion.startswith("The best test accuracy comes from Xavier (uniform)")
    assert "Kaiming (uniform) diverged (epoch 3) and has no test accuracy, so it is not ranked." in english[4].text
    assert "L'entraînement avec l'initialisation de Kaiming (uniforme) a divergé (époque 3)" in french[4].text
    assert "With Kaiming (uniform), the tanh training diverged" in english[7].text
    # Without Kaiming the two networks no longer rank the same set, so no ranking is compared.
    assert "rank in the same order" not in english[6].text


def test_partly_diverged_cell_is_not_ranked() -> None:
    gradients, accuracy = build_summaries(seeds=3, sds={key: 0.5 for key in TEXTBOOK_ACCURACY}, diverged={("tanh", "standard"): (2,)})
    english = answers_of(gradients, accuracy, "en")[4]
    french = answers_of(gradients, accuracy, "fr")[4]
    assert "The standard initialisation diverged in 1 of 3 seeds (epoch 2)." in english.text
    assert "standard initialisation at" not in english.conclusion
    assert "L'entraînement avec l'initialisation standard a divergé pour 1 germe sur 3 (époque 2)." in french.text


def test_several_seeds_gap_exceeds_spread() -> None:
    sds = {key: 0.5 for key in TEXTBOOK_ACCURACY}
    gradients, accuracy = build_summaries(seeds=3, sds=sds)
    english = answers_of(gradients, accuracy, "en")[4]
    french = answers_of(gradients, accuracy, "fr")[4]

    assert "Kaiming (uniform) at 52.00%\u00a0±\u00a00.50" in english.conclusion
    assert "more than the seed-to-seed standard deviation (0.50 points)" in english.text
    assert "Numbers are means over 3 seeds" in english.text
    assert "plus que l'écart type entre les germes (0,50 point)" in french.text
    assert "single seed" not in english.text


def test_several_seeds_gap_within_spread_ties() -> None:
    sds = {key: 3.0 for key in TEXTBOOK_ACCURACY}
    gradients, accuracy = build_summaries(seeds=3, sds=sds)
    english = answers_of(gradients, accuracy, "en")[4]
    french = answers_of(gradients, accuracy, "fr")[4]

    assert "Kaiming (uniform) and Xavier (uniform) count as tied" in english.conclusion
    assert "within the seed-to-seed standard deviation (3.00 points)" in english.text
    assert "sont considérées à égalité" in french.conclusion


def test_borderline_profile_is_flagged() -> None:
    gradients, accuracy = build_summaries(seeds=3)
    for aggregate in gradients["aggregate"]:
        if aggregate["activation"] == "tanh" and aggregate["initialisation"] == "xavier_uniform":
            # Ratio 1.20 ± 0.20: "constant", but 1.40 would count as shrinking.
            aggregate.update(gradient_aggregate("tanh", "xavier_uniform", aggregate["phase"], [1e-2, 1e-2, 1e-2, 1e-2, 1.2e-2], 3, ratio_sd=0.2))
    assert "borderline" in answers_of(gradients, accuracy, "en")[1].text
    assert "cas limite" in answers_of(gradients, accuracy, "fr")[1].text


def test_relu_only_grid_reports_missing_tanh() -> None:
    profiles = {key: value for key, value in TEXTBOOK_PROFILES.items() if key[0] == "relu"}
    accuracies = {key: value for key, value in TEXTBOOK_ACCURACY.items() if key[0] == "relu"}
    gradients, accuracy = build_summaries(profiles=profiles, accuracies=accuracies)
    english = answers_of(gradients, accuracy, "en")
    french = answers_of(gradients, accuracy, "fr")

    for number in (1, 3, 4, 5, 6, 7):
        assert not english[number].answered, number
        assert "trained no tanh network" in english[number].conclusion
        assert "n'a entraîné aucun réseau tanh" in french[number].conclusion
    assert not english[2].answered
    assert english[2].conclusion.startswith("Every layer is updated with the same learning rate")


def test_tanh_only_grid_answers_first_five() -> None:
    profiles = {key: value for key, value in TEXTBOOK_PROFILES.items() if key[0] == "tanh"}
    accuracies = {key: value for key, value in TEXTBOOK_ACCURACY.items() if key[0] == "tanh"}
    gradients, accuracy = build_summaries(profiles=profiles, accuracies=accuracies)
    english = answers_of(gradients, accuracy, "en")

    assert all(english[number].answered for number in (1, 2, 3, 4, 5))
    assert "trained no ReLU network" in english[6].conclusion
    assert "trained no ReLU network" in english[7].conclusion


def test_missing_initialisation_is_named() -> None:
    profiles = {key: value for key, value in TEXTBOOK_PROFILES.items() if key[1] != "kaiming_uniform"}
    accuracies = {key: value for key, value in TEXTBOOK_ACCURACY.items() if key[1] != "kaiming_uniform"}
    gradients, accuracy = build_summaries(profiles=profiles, accuracies=accuracies)
    english = answers_of(gradients, accuracy, "en")
    french = answers_of(gradients, accuracy, "fr")

    assert "This run's tanh grid lacks Kaiming (uniform), so the answer covers only the standard initialisation and Xavier (uniform)." in english[1].text
    assert "ne contient pas l'initialisation de Kaiming (uniforme)" in french[1].text
    assert english[5].conclusion == "Only Xavier (uniform) was measured before and after training in this run."
    assert all(answer.answered for answer in english.values())


def test_custom_standard_entry_not_lab_cell() -> None:
    gradients, accuracy = build_summaries()
    accuracy["cells"] = [
        {"activation": "tanh", "initialisation": "standard", "scheme": "xavier_uniform", "gain": 2.0},
    ]
    english = answers_of(gradients, accuracy, "en")
    assert "lacks the standard initialisation" in english[1].text


def test_q6_q7_textbook_comparison(textbook: dict) -> None:
    similar, different = textbook["en"][6], textbook["en"][7]
    assert similar.conclusion == "In both networks the initialisations rank in the same order of test accuracy: Kaiming (uniform) > Xavier (uniform) > standard."
    assert "With the standard initialisation, the gradient shrinks towards the input in both networks" in similar.text
    assert "With Xavier (uniform), the gradient keeps about the same size in every layer in the tanh network (ratio 1.00) but shrinks towards the input in the ReLU network (ratio 4.00)." in different.text
    assert "of the ReLU network's bias gradients are exactly zero" in different.text
    assert "as He et al. (2015) report" in different.text
    french = textbook["fr"][6]
    assert french.conclusion.startswith("Dans les deux réseaux, les initialisations se classent dans le même ordre")


def test_q6_close_accuracy_uses_stated_threshold(textbook: dict) -> None:
    # Kaiming: 52 % with tanh and 51 % with ReLU, one seed: within 2 points, so close.
    assert "With Kaiming (uniform), the test accuracies are close: 52.00% with tanh and 51.00% with ReLU" in textbook["en"][6].text
    assert "at most 2.00 percentage points apart" in textbook["en"][6].text
    assert "d'au plus 2,00 points de pourcentage" in textbook["fr"][6].text


def test_q6_q7_when_networks_agree_everywhere() -> None:
    profiles = {key: FLAT for key in TEXTBOOK_PROFILES}
    accuracies = {key: 50.0 for key in TEXTBOOK_ACCURACY}
    accuracies.update({("tanh", "standard"): 40.0, ("relu", "standard"): 40.0})
    gradients, accuracy = build_summaries(profiles=profiles, accuracies=accuracies, relu_zeros=0.0)
    english = answers_of(gradients, accuracy, "en")
    assert english[7].conclusion.startswith("In this run the tanh and ReLU networks differ in none of the features compared here")
    french = answers_of(gradients, accuracy, "fr")
    assert french[7].conclusion.startswith("Dans cette exécution, les réseaux tanh et ReLU ne diffèrent sur aucun")


def test_french_numbers_use_decimal_comma(textbook: dict) -> None:
    decimal_point = re.compile(r"\d\.\d")
    for answer in textbook["fr"].values():
        assert not decimal_point.search(answer.text), answer.text
    assert "10,0" in textbook["fr"][1].text


def test_answers_do_not_change_inputs() -> None:
    gradients, accuracy = build_summaries()
    before = copy.deepcopy((gradients, accuracy))
    answers_of(gradients, accuracy, "en")
    assert (gradients, accuracy) == before


def test_single_epoch_wording() -> None:
    gradients, accuracy = build_summaries()
    for aggregate in accuracy["aggregate"]:
        aggregate["history"] = aggregate["history"][-1:]
    english = answers_of(gradients, accuracy, "en")
    french = answers_of(gradients, accuracy, "fr")
    assert "Averaged over its single epoch, first mini-batches included, the training loss is 1.00" in english[3].text
    assert "after the single epoch" in english[4].text
    assert "after epoch 1 and" not in english[4].text
    assert "Sur son unique époque" in french[3].text


def test_q2_weight_gradients_follow_numbers(textbook: dict) -> None:
    # build_summaries gives every layer the same weight-gradient std: even weights, uneven biases.
    assert "the weights' updates are about even across layers" in textbook["en"][2].text
    assert "the imbalance therefore lies in the back-propagated gradient" in textbook["en"][2].text
    assert "le déséquilibre touche donc le gradient rétropropagé" in textbook["fr"][2].text

    profiles = {key: FLAT for key in TEXTBOOK_PROFILES}
    gradients, accuracy = build_summaries(profiles=profiles)
    flat = answers_of(gradients, accuracy, "en")[2].text
    assert "the weights' updates are about even across layers" in flat
    assert "the imbalance therefore lies" not in flat


def printed_percentages(text: str) -> list[float]:
    """Return the English percentages of ``text`` as printed, such as 46.52 for "46.52%"."""
    return [float(value) for value in re.findall(r"(\d+\.\d\d)%", text)]


def test_q4_gap_matches_printed_accuracies() -> None:
    # Unrounded, 46.5178 − 12.5344 = 33.9834 would print as 33.98; the printed 46.52 − 12.53 is 33.99.
    accuracies = dict(TEXTBOOK_ACCURACY)
    accuracies[("tanh", "xavier_uniform")] = 46.5178
    accuracies[("tanh", "standard")] = 12.5344
    accuracies[("tanh", "kaiming_uniform")] = 52.0
    gradients, accuracy = build_summaries(accuracies=accuracies)
    english = answers_of(gradients, accuracy, "en")[4]
    french = answers_of(gradients, accuracy, "fr")[4]

    assert printed_percentages(english.conclusion) == [52.0, 46.52, 12.53]
    assert "Xavier (uniform) is 33.99 points above the standard initialisation." in english.text
    assert "33.98" not in english.text
    assert "de 33,99 points." in french.text
    assert "Kaiming (uniform) is 5.48 points above Xavier (uniform)." in english.text


def test_q6_q7_gap_matches_printed_accuracies() -> None:
    accuracies = dict(TEXTBOOK_ACCURACY)
    accuracies[("tanh", "standard")] = 46.5178
    accuracies[("relu", "standard")] = 12.5344
    gradients, accuracy = build_summaries(accuracies=accuracies)
    different = answers_of(gradients, accuracy, "en")[7]
    assert "46.52% with tanh against 12.53% with ReLU, 33.99 points apart" in different.text


def test_gap_equal_to_printed_spread_ties() -> None:
    # Unrounded, the gap of 1.004 points exceeds the spread of 1.0; as printed, both read 1.00.
    sds = {key: 1.0 for key in TEXTBOOK_ACCURACY}
    accuracies = dict(TEXTBOOK_ACCURACY)
    accuracies[("tanh", "kaiming_uniform")] = 51.004
    gradients, accuracy = build_summaries(accuracies=accuracies, seeds=3, sds=sds)
    english = answers_of(gradients, accuracy, "en")[4]

    assert "their gap of 1.00 points is within the seed-to-seed standard deviation (1.00 points)" in english.conclusion
    assert "Kaiming (uniform) is 1.00 points above Xavier (uniform). This is within the seed-to-seed standard deviation (1.00 points)" in english.text


def test_ratio_matches_printed_deviations() -> None:
    # Layer 1 prints as 1.56 × 10⁻⁴ and layer 5 as 1.00 × 10⁻³: 1.00 / 0.156 = 6.41, where the unrounded ratio is 6.39.
    profiles = dict(TEXTBOOK_PROFILES)
    profiles[("tanh", "standard")] = [1.5649e-4, 2e-4, 4e-4, 7e-4, 1e-3]
    gradients, accuracy = build_summaries(profiles=profiles)
    english = answers_of(gradients, accuracy, "en")
    french = answers_of(gradients, accuracy, "fr")

    assert "standard deviation 1.56\u00a0×\u00a010⁻⁴ at layer 1 and 1.00\u00a0×\u00a010⁻³ at layer 5, ratio 6.41," in english[1].text
    assert "1.56\u00a0×\u00a010⁻⁴, 6.41 times smaller than at layer 5" in english[2].text
    assert "6.39" not in english[1].text + english[2].text
    assert "soit 6,41 fois moins qu'à la couche 5" in french[2].text


def test_q1_scale_factor_matches_printed_deviations() -> None:
    # Layer-1 stds print as 1.56 × 10⁻⁴ (standard) and 2.00 × 10⁻² (Kaiming): 2.00 / 0.0156 = 128.2.
    profiles = dict(TEXTBOOK_PROFILES)
    profiles[("tanh", "standard")] = [1.5649e-4, 2e-4, 4e-4, 7e-4, 1e-3]
    gradients, accuracy = build_summaries(profiles=profiles)
    assert "a factor of 128.2," in answers_of(gradients, accuracy, "en")[1].text


def test_thresholds_apply_to_printed_values() -> None:
    # 1.2504 prints as 1.25, which the notes call "within a factor 1.25".
    assert classify_scale(1.2504) == "same"
    assert classify_scale(1.2551) == "larger"
    profiles = dict(TEXTBOOK_PROFILES)
    profiles[("tanh", "xavier_uniform")] = [1e-3, 1e-3, 1e-3, 1e-3, 1.2504e-3]
    gradients, accuracy = build_summaries(profiles=profiles)
    english = answers_of(gradients, accuracy, "en")[1]
    assert "with Xavier (uniform) it keeps about the same size in every layer" in english.conclusion
    assert "ratio 1.25, so the gradient keeps about the same size" in english.text


def q3_with_standard_accuracy(mean: float, final_loss: float = 1.0, best: float | None = None) -> dict[str, object]:
    """Return Q3 in both languages for a run where tanh standard reaches ``mean`` and, if given, ReLU Kaiming ``best``."""
    accuracies = dict(TEXTBOOK_ACCURACY)
    accuracies[("tanh", "standard")] = mean
    if best is not None:
        accuracies[("relu", "kaiming_uniform")] = best
    gradients, accuracy = build_summaries(accuracies=accuracies)
    for aggregate in accuracy["aggregate"]:
        if aggregate["activation"] == "tanh" and aggregate["initialisation"] == "standard":
            aggregate["history"][-1]["loss"] = stat(final_loss)
    return {language: answers_of(gradients, accuracy, language)[3] for language in LANGUAGES}


def test_q3_loss_near_chance_is_not_chance_accuracy() -> None:
    # The reported case: a loss near ln 10 but 46.52 % test accuracy, far above the 10 % of guessing.
    answers = q3_with_standard_accuracy(46.52, final_loss=2.25)
    assert "still close to the chance level ln 10" in answers["en"].text
    assert "barely started learning" not in answers["en"].text
    assert "à peine commencé" not in answers["fr"].text
    # Kaiming tanh at 52.00 % is the best: (46.52 − 10) / (52 − 10) = 87 %.
    assert "covers 87% of the way from chance (10.00%) to the best test accuracy of this run, 52.00% for the tanh network with Kaiming (uniform)." in answers["en"].text


def test_q3_chance_accuracy_barely_learning() -> None:
    answers = q3_with_standard_accuracy(14.0)
    assert "Its test accuracy of 14.00% is within 5.00 points of the 10.00% that guessing gives with 10 classes, so this network has barely started learning." in answers["en"].text
    assert "ce réseau a donc à peine commencé à apprendre" in answers["fr"].text
    assert "A test accuracy within 5.00 points of chance" in answers["en"].text


def test_q3_far_behind_best() -> None:
    # (30 − 10) / (60 − 10) = 40 %, under the 50 % threshold.
    answers = q3_with_standard_accuracy(30.0, best=60.0)
    assert "covers 40% of the way" in answers["en"].text
    assert "60.00% for the ReLU network with Kaiming (uniform). That is less than 50%, so this network lags far behind the best one." in answers["en"].text
    assert "reste donc loin derrière le meilleur" in answers["fr"].text
    assert "barely" not in answers["en"].text


def test_q3_best_cell() -> None:
    answers = q3_with_standard_accuracy(70.0)
    assert "Its test accuracy of 70.00% is the best of this run." in answers["en"].text
    assert "est la meilleure de cette exécution" in answers["fr"].text


def test_plural_forms_in_answers() -> None:
    gradients, accuracy = build_summaries(seeds=3, sds={key: 0.5 for key in TEXTBOOK_ACCURACY}, diverged={("tanh", "standard"): (1, 2)})
    english = answers_of(gradients, accuracy, "en")[4].text
    french = answers_of(gradients, accuracy, "fr")[4].text
    assert "diverged in 2 of 3 seeds (epochs 1 and 2)" in english
    assert "a divergé pour 2 germes sur 3 (époques 1 et 2)" in french
    assert "(s)" not in english + french


def test_french_answers_chain_at_most_two_clauses(textbook: dict) -> None:
    # Brackets hold intervals such as [-1,60 × 10⁻⁴; 1,60 × 10⁻⁴], whose semicolon separates two numbers.
    for answer in textbook["fr"].values():
        text = re.sub(r"\[[^\]]*\]", "", answer.text)
        for sentence in re.split(r"(?<=[.?!])\s+", text):
            assert sentence.count(";") <= 1, sentence
        assert "Avec standard" not in answer.text


def test_two_hidden_layers_name_layer_two() -> None:
    profiles = {key: [stds[0], stds[-1]] for key, stds in TEXTBOOK_PROFILES.items()}
    gradients, accuracy = build_summaries(profiles=profiles)
    english = answers_of(gradients, accuracy, "en")
    french = answers_of(gradients, accuracy, "fr")

    assert "at layer 1 and 1.00\u00a0×\u00a010⁻³ at layer 2, ratio 10.0" in english[1].text
    assert "10.0 times smaller than at layer 2" in english[2].text
    assert "Layer 2: standard deviation" in english[3].text
    assert "layer 2: 1.00\u00a0×\u00a010⁻² before" in english[5].text
    assert "à la couche 2" in french[2].text
    for answer in english.values():
        assert "layer 5" not in answer.text.lower(), answer.number


def test_q3_below_chance_accuracy() -> None:
    answers = q3_with_standard_accuracy(4.0)
    assert "Its test accuracy of 4.00% is more than 5.00 points below the 10.00% that guessing gives" in answers["en"].text
    assert "n'a donc pas encore appris à classer" in answers["fr"].text
