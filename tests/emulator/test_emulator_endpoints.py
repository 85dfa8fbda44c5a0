"""The emulator serves exactly the batch endpoints that openapi.yaml names."""

from pathlib import Path

import yaml

from mistral_batch_emulator._endpoints import CHECKS, ENDPOINTS

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"


def test_the_emulator_knows_every_endpoint_of_the_contract() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    listed = spec["components"]["schemas"]["ApiEndpoint"]["enum"]
    assert sorted(ENDPOINTS) == sorted(listed) == sorted(CHECKS)
