"""Calibrated urgency: the probability of an emergency is a frequency seen on held-out notes (issue 17 item 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from tsunagiai.triage.classifier import current_model, emergency_evidence, load
from tsunagiai.triage.engine import triage

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_evidence_puts_every_cued_note_above_every_uncued_one() -> None:
    assert emergency_evidence(0.99, False) < emergency_evidence(0.0, True)
    assert emergency_evidence(0.2, False) < emergency_evidence(0.3, False)


def test_the_shipped_model_carries_a_monotone_calibration_read_with_numpy() -> None:
    model = load(Path(settings.TRIAGE_MODEL_DIR))
    assert model.emergency_calibration is not None
    xs, ys = model.emergency_calibration
    assert np.all(np.diff(xs) >= 0) and np.all(np.diff(ys) >= 0)
    assert ys.min() >= 0.0 and ys.max() <= 1.0
    low, high = model.calibrated_emergency(0.0), model.calibrated_emergency(2.0)
    assert low is not None and high is not None and low < 0.2 < high


def test_without_a_calibration_there_is_no_probability() -> None:
    import dataclasses

    model = dataclasses.replace(current_model(), emergency_calibration=None)
    assert model.calibrated_emergency(1.5) is None
    assert triage("母の介護のことで相談です。", model=model).emergency_probability is None


def test_the_isotonic_fit_is_monotone_and_a_frequency() -> None:
    from tsunagiai.triage.classifier import Example
    from tsunagiai.triage.training import fit_emergency_calibration

    examples = [
        Example("a", "一人暮らしの母(80)から電話。「もう死にたい」と話す。", frozenset(), "emergency", frozenset()),
        Example("b", "夫に殴られたと本人より電話。", frozenset(), "emergency", frozenset()),
        Example("c", "電球の交換を手伝ってほしい。", frozenset(), "normal", frozenset()),
        Example("d", "庭の草取りをしてくれる人を探している。", frozenset(), "normal", frozenset()),
        Example("e", "家賃の支払いが遅れそう。", frozenset(), "high", frozenset()),
    ]
    xs, ys = fit_emergency_calibration(current_model(), examples)
    assert np.all(np.diff(xs) >= 0) and np.all(np.diff(ys) >= 0)
    assert ys[0] == 0.0 and ys[-1] == 1.0


def test_a_low_confidence_note_about_someone_living_alone_is_a_possible_emergency_not_normal() -> None:
    result = triage("一人暮らしの父の様子が最近おかしい。")
    assert result.urgency == "normal"
    assert result.low_confidence
    assert result.possible_emergency
    assert "urgency:possible_emergency" in result.notes
    record = result.to_evaluation_record("p-1")
    assert record["urgency"] == "normal" and record["possible_emergency"] is True


@pytest.mark.parametrize(
    ("text", "possible"),
    [
        ("保育園より。園児のことでお母さんと話したい。", True),
        ("小学生の息子のことで、少し気になることがあります。", True),
        ("本人(50代)より。電球の交換を手伝ってくれる人を探している。", False),
    ],
)
def test_an_unsure_urgency_flags_a_child_but_not_an_adult(text: str, possible: bool) -> None:
    """With a calibration saying one in three such notes was an emergency, a child's note is flagged."""
    import dataclasses

    unsure = dataclasses.replace(
        current_model(), emergency_calibration=(np.array([0.0, 1.0, 2.0]), np.array([0.3, 0.3, 0.9]))
    )
    result = triage(text, model=unsure)
    assert result.urgency == "normal"
    assert result.emergency_probability == pytest.approx(0.3)
    assert result.possible_emergency is possible


def test_a_sure_normal_note_about_a_child_stays_normal() -> None:
    result = triage("保育園より。園児のことでお母さんと話したい。")
    assert result.urgency == "normal"
    assert result.emergency_probability is not None and result.emergency_probability < 0.2
    assert not result.possible_emergency
