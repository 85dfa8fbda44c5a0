"""``python -m mistral_batch.cli``: the mistral-batch command."""

from mistral_batch.cli import main

main()
