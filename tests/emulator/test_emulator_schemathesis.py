"""Property-based checks of every operation of openapi.yaml against a running emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from emulator_contract import SPEC_PATH
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from mistral_batch.emulator import Emulator

KEY = "schemathesis-key"
schema = schemathesis.openapi.from_path(SPEC_PATH)


@pytest.fixture(scope="module")
def live() -> Iterator[Emulator]:
    with Emulator(api_keys=[KEY]) as emulator:
        yield emulator


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_the_contract(case: Case, live: Emulator) -> None:
    excluded = []
    operation_id = case.operation.definition.raw.get("operationId")
    if operation_id in ("list_files", "list_batch_jobs"):
        # Every query value is a string on the wire: the "invalid" values schemathesis
        # makes for string filters (an integer, a null metadata value) arrive as valid
        # strings and are rightly accepted.
        excluded.append(negative_data_rejection)
    if operation_id == "create_batch_job":
        # openapi.yaml does not encode a rule the API enforces with a 422: exactly one of
        # input_files and requests. Schema-valid bodies that break it are rightly
        # refused, so this one check does not apply here.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(
        base_url=live.url,
        headers={"Authorization": f"Bearer {KEY}"},
        excluded_checks=excluded,
    )
