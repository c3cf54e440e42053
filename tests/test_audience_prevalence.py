"""The fake-looking share of an audience: corrected estimate and an interval that contains it."""

from __future__ import annotations

import numpy as np
import pytest

from trustreach.audience import (
    FakeShare,
    ValidatedRates,
    estimate_prevalence,
    load_authenticity_model,
)
from trustreach.audience._signals import audience_quality, fake_share_sentence

RATES = ValidatedRates(
    true_positives=120,
    false_negatives=20,
    true_negatives=665,
    false_positives=13,
    sensitivity_transfer_sd=0.6,
    specificity_transfer_sd=1.0,
)


def test_estimate_lies_inside_its_own_interval_and_corrects_the_flagged_share() -> None:
    # 5% flagged by a model that flags 1.9% of genuine accounts: the corrected share is lower
    low_share = estimate_prevalence([(1.0, 100, 2000)], RATES)
    assert low_share.low <= low_share.estimate <= low_share.high
    assert low_share.estimate < low_share.flagged_share == pytest.approx(0.05)
    # 40% flagged by a model that misses 14% of fakes: the corrected share is higher
    high_share = estimate_prevalence([(1.0, 800, 2000)], RATES)
    assert high_share.low <= high_share.estimate <= high_share.high
    assert high_share.estimate > high_share.flagged_share
    # the model's own error, and its transfer to another audience, widen the interval
    sampling_only = estimate_prevalence(
        [(1.0, 800, 2000)], ValidatedRates(1e6 * 0.857, 1e6 * 0.143, 1e6 * 0.98, 1e6 * 0.02)
    )
    validated_only = estimate_prevalence([(1.0, 800, 2000)], RATES, transfer=False)
    width = [r.high - r.low for r in (sampling_only, validated_only, high_share)]
    assert width[0] < width[1] < width[2]


def test_interval_covers_the_true_share_when_the_model_errs_as_validated() -> None:
    rng = np.random.default_rng(42)
    covered = 0
    trials = 120
    for _ in range(trials):
        truth = rng.uniform(0.0, 0.5)
        # this audience's rates differ from the validated ones as the transfer spread says
        se = 1 / (1 + np.exp(-(np.log(120 / 20) + rng.normal(0, 0.6))))
        sp = 1 / (1 + np.exp(-(np.log(665 / 13) + rng.normal(0, 1.0))))
        fake = rng.random(2000) < truth
        flagged = np.where(fake, rng.random(2000) < se, rng.random(2000) > sp)
        result = estimate_prevalence([(1.0, int(flagged.sum()), 2000)], RATES)
        covered += result.low <= truth <= result.high
    assert covered / trials >= 0.9


def test_strata_are_weighted_by_followers() -> None:
    # a big account with few fake-looking followers and a small one with many
    result = estimate_prevalence([(1_000_000.0, 20, 2000), (10_000.0, 1000, 2000)], RATES)
    assert result.flagged_share == pytest.approx((1e6 * 0.01 + 1e4 * 0.5) / 1.01e6)
    assert result.estimate < 0.05  # the pooled sample (25% flagged) would say far more


@pytest.mark.parametrize(
    ("strata", "message"),
    [
        ([], "no stratum"),
        ([(1.0, 0, 0)], "no stratum"),
        ([(1.0, 5, 3)], "flagged <= scored"),
        ([(-1.0, 1, 3)], "weight"),
    ],
)
def test_bad_input_is_named(strata: list[tuple[float, int, int]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        estimate_prevalence(strata, RATES)


def test_a_model_no_better_than_chance_cannot_correct() -> None:
    with pytest.raises(ValueError, match="sensitivity \\+ specificity"):
        estimate_prevalence([(1.0, 5, 100)], ValidatedRates(50, 50, 50, 50))
    with pytest.raises(ValueError, match="false_positives"):
        ValidatedRates(1, 1, 1, -1)


def test_shipped_model_carries_its_validated_rates() -> None:
    model = load_authenticity_model()
    for profile in ("full", "minimal"):
        rates = model.rates(profile)  # type: ignore[arg-type]
        positives = rates.true_positives + rates.false_negatives
        negatives = rates.true_negatives + rates.false_positives
        assert positives > 100 and negatives > 500  # InstaFake: 140 fake, 678 genuine
        assert rates.sensitivity + rates.specificity > 1.5
        assert 1 - rates.specificity <= 0.021  # the operating point's target FPR
        assert 0 < rates.sensitivity_transfer_sd < 3 and 0 < rates.specificity_transfer_sd < 3


def test_audit_sentence_states_the_estimate_with_its_own_interval() -> None:
    share = FakeShare(0.031, 0.042, 0.012, 0.05, 4000, 90_000, "fake_account", "1.1.0")
    sentence = fake_share_sentence(share)
    assert sentence.startswith("An estimated 3.1% of followers")
    assert "95% interval 1.2% to 5.0%" in sentence and "4.2% of 4,000" in sentence
    quality = audience_quality(share, [])
    assert quality.components[0].evidence.startswith(sentence)
