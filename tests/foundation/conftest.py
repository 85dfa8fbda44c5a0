from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "mistral-openapi-public-doc-files-batch.yaml"


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def reference() -> Path:
    if not REFERENCE.is_file():
        pytest.skip("Mistral's reference spec is not beside the checkout (../shared/reference)")
    return REFERENCE
