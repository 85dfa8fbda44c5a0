"""mistral_batch: a client for Mistral AI's Files and Batch APIs."""
