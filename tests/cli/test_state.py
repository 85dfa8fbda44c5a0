"""The state file of `run`, and the rate shown while a job runs: pure parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mistral_batch.cli._progress import RateEstimate
from mistral_batch.cli._state import (
    Fingerprint,
    RunState,
    StateError,
    default_state_path,
    load_state,
    save_state,
)

OPTIONS = {"model": "m", "endpoint": "/v1/chat/completions", "metadata": {}, "timeout_hours": None}


def test_a_state_survives_a_round_trip_and_matches_only_its_input(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"custom_id": "a", "body": {}}\n')
    fingerprint = Fingerprint.of_file(source)
    state = RunState(str(source), fingerprint, dict(OPTIONS), input_file_id="f", job_id="j")
    path = default_state_path(tmp_path / "out.jsonl")
    assert path.name == "out.jsonl.state.json"

    save_state(path, state)
    loaded = load_state(path)
    assert loaded == state
    assert loaded.matches(fingerprint, dict(OPTIONS))
    assert not loaded.matches(fingerprint, {**OPTIONS, "model": "other"})
    source.write_text('{"custom_id": "b", "body": {}}\n')  # same size, other bytes
    assert not loaded.matches(Fingerprint.of_file(source), dict(OPTIONS))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_no_state_and_broken_states(tmp_path: Path) -> None:
    assert load_state(tmp_path / "none.json") is None
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(StateError):
        load_state(broken)
    broken.write_text(json.dumps({"version": 1, "input": {}}))
    with pytest.raises(StateError):
        load_state(broken)


def test_rate_and_time_left() -> None:
    rate = RateEstimate()
    assert rate.rate is None
    rate.add(10.0, 5)
    assert rate.rate is None  # one sample measures nothing
    rate.add(14.0, 25)
    assert rate.rate == 5.0
    assert rate.seconds_left(total=50) == 5.0


def test_a_state_that_does_not_match_says_what_differs() -> None:
    options = {
        "model": "mistral-small-latest",
        "endpoint": "/v1/chat/completions",
        "metadata": {},
        "timeout_hours": None,
        "server_url": "https://api.mistral.ai",
    }
    state = RunState(
        input_path="/in.jsonl", fingerprint=Fingerprint(sha256="a" * 64, size=3), options=options
    )
    assert state.differences(state.fingerprint, dict(options)) == []
    now = {**options, "model": "mistral-large-latest", "server_url": "http://127.0.0.1:8000"}
    assert state.differences(Fingerprint(sha256="b" * 64, size=3), now) == [
        "the input's content",
        "the model (mistral-small-latest, now mistral-large-latest)",
        "the server URL (https://api.mistral.ai, now http://127.0.0.1:8000)",
    ]
    assert state.differences(state.fingerprint, {**options, "timeout_hours": 2}) == [
        "--timeout-hours (none, now 2)"
    ]
