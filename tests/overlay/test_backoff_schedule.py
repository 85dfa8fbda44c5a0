"""The backoff schedule, exactly: each jitter's bounds asked of the random source, the cap,
the clamp, and the settings' defaults and refusals."""

from __future__ import annotations

import pytest

from mistral_batch._backoff import Backoff, Jitter, backoff_delay


class Source:
    """A random source that records the bounds it is asked for and answers `pick` of them."""

    def __init__(self, pick: str = "high", value: float | None = None) -> None:
        self.asked: list[tuple[float, float]] = []
        self.pick, self.value = pick, value

    def uniform(self, a: float, b: float) -> float:
        self.asked.append((a, b))
        if self.value is not None:
            return self.value
        return b if self.pick == "high" else a


def test_without_jitter_the_delay_grows_by_the_factor_up_to_the_cap() -> None:
    delays = [
        backoff_delay(n, initial=1.0, factor=2.0, max_delay=10.0, jitter=Jitter.NONE)
        for n in range(6)
    ]
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_full_jitter_draws_between_zero_and_the_capped_delay() -> None:
    source = Source()
    delays = [
        backoff_delay(n, initial=0.5, factor=3.0, max_delay=10.0, jitter=Jitter.FULL, rng=source)
        for n in range(4)
    ]
    assert source.asked == [(0.0, 0.5), (0.0, 1.5), (0.0, 4.5), (0.0, 10.0)]
    assert delays == [0.5, 1.5, 4.5, 10.0]


def test_decorrelated_jitter_draws_from_the_initial_delay_to_twice_factor_times_the_last() -> None:
    source = Source()
    first = backoff_delay(
        0, initial=1.0, factor=1.5, max_delay=30.0, jitter=Jitter.DECORRELATED, rng=source
    )
    later = backoff_delay(
        5,
        initial=1.0,
        factor=1.5,
        max_delay=30.0,
        jitter=Jitter.DECORRELATED,
        previous=4.0,
        rng=source,
    )
    small = backoff_delay(
        2,
        initial=2.0,
        factor=1.5,
        max_delay=30.0,
        jitter=Jitter.DECORRELATED,
        previous=0.5,
        rng=source,
    )
    capped = backoff_delay(
        1,
        initial=5.0,
        factor=2.0,
        max_delay=3.0,
        jitter=Jitter.DECORRELATED,
        previous=9.0,
        rng=source,
    )
    assert source.asked == [(1.0, 3.0), (1.0, 12.0), (2.0, 6.0), (3.0, 3.0)]
    assert (first, later, small, capped) == (3.0, 12.0, 6.0, 3.0)


@pytest.mark.parametrize("jitter", [Jitter.FULL, Jitter.DECORRELATED])
def test_a_source_out_of_bounds_is_clamped_to_the_range(jitter: Jitter) -> None:
    high = backoff_delay(1, initial=1, factor=2, max_delay=5, jitter=jitter, rng=Source(value=99))
    low = backoff_delay(1, initial=1, factor=2, max_delay=5, jitter=jitter, rng=Source(value=-9))
    assert (high, low) == (5.0, 0.0)


def test_a_long_wait_reaches_the_cap_without_overflowing() -> None:
    kwargs = {"initial": 1.0, "max_delay": 60.0, "jitter": Jitter.NONE}
    assert backoff_delay(10**6, factor=2.0, **kwargs) == 60.0  # type: ignore[arg-type]
    assert backoff_delay(2, factor=1e308, **kwargs) == 60.0  # type: ignore[arg-type]


def test_attempts_count_from_zero() -> None:
    with pytest.raises(ValueError, match=r"^attempt must be >= 0, got -1$"):
        backoff_delay(-1, initial=1, factor=2, max_delay=5)
    assert backoff_delay(0, initial=1, factor=2, max_delay=5, jitter=Jitter.NONE) == 1.0


def test_backoff_settings_defaults_and_refusals() -> None:
    assert Backoff() == Backoff(initial=1.0, factor=1.5, max_delay=30.0, jitter=Jitter.FULL)
    Backoff(initial=0, factor=1, max_delay=0)  # the smallest allowed
    for bad in ({"initial": -0.1}, {"factor": 0.99}, {"max_delay": -0.1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Backoff(**bad)  # type: ignore[arg-type]


def test_backoff_delay_passes_its_settings_and_the_last_delay_on() -> None:
    steady = Backoff(initial=2.0, factor=3.0, max_delay=100.0, jitter=Jitter.NONE)
    assert [steady.delay(n) for n in range(4)] == [2.0, 6.0, 18.0, 54.0]
    source = Source()
    loose = Backoff(initial=1.0, factor=2.0, max_delay=50.0, jitter=Jitter.DECORRELATED)
    assert loose.delay(3, previous=5.0, rng=source) == 20.0
    assert source.asked == [(1.0, 20.0)]


def test_a_delay_below_one_second_is_kept_as_it_is() -> None:
    assert backoff_delay(0, initial=0.25, factor=2, max_delay=10, jitter=Jitter.NONE) == 0.25


def test_a_delay_under_a_second_without_jitter_is_kept_as_it_is() -> None:
    delays = [
        backoff_delay(attempt, initial=0.25, factor=2.0, max_delay=10.0, jitter=Jitter.NONE)
        for attempt in range(4)
    ]
    assert delays == [0.25, 0.5, 1.0, 2.0]
