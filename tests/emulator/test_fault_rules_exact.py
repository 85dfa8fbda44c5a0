"""Fault rules refused exactly: the message for effects that do not combine, and the
admin JSON's checks of drop_after and operation."""

from __future__ import annotations

import pytest

from mistral_batch.emulator import Fault


def test_two_effects_are_refused_with_the_whole_list_of_choices() -> None:
    with pytest.raises(ValueError) as refused:
        Fault(reset=True, truncate=True)
    assert str(refused.value) == (
        "choose one of: status/html, reset, truncate, drop_after, late, "
        "unknown_enums/extra_fields, lag, encoding, drip (delay combines with any;"
        " drip with status)"
    )


@pytest.mark.parametrize("value", [1.5, "10", True])
def test_a_drop_after_that_is_not_an_integer_is_refused_by_name(value: object) -> None:
    with pytest.raises(ValueError, match=r"^drop_after must be an integer$"):
        Fault.from_json({"drop_after": value})


def test_an_operation_that_is_not_a_string_is_refused_by_name() -> None:
    with pytest.raises(ValueError) as refused:
        Fault.from_json({"operation": 5, "status": 500})
    assert str(refused.value) == "operation must be a string"
