"""The fake model's answers, value for value: chat moderations, embeddings usage, FIM
limits and the transcription's language."""

from __future__ import annotations

from typing import Any

from mistral_batch_emulator._fake_model import respond

MODEL = "mistral-small-latest"
CREATED = 1_700_000_000


def answer(endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    return respond(endpoint, body, MODEL, CREATED)


FIRST = [{"role": "user", "content": "hi"}]
SECOND = [{"role": "user", "content": "bye"}]


def test_chat_moderation_of_a_list_of_conversations_scores_each_one() -> None:
    both = answer("/v1/chat/moderations", {"input": [FIRST, SECOND]})
    assert len(both["results"]) == 2
    assert both["results"][0]["category_scores"] == {
        "sexual": 0.185882,
        "hate_and_discrimination": 0.08549,
        "violence_and_threats": 0.16,
        "dangerous_and_criminal_content": 0.076078,
        "selfharm": 0.190588,
        "health": 0.003137,
        "financial": 0.077647,
        "law": 0.162353,
        "pii": 0.107451,
    }
    assert both["results"] == answer("/v1/moderations", {"input": [FIRST, SECOND]})["results"]


def test_chat_moderation_of_one_conversation_gets_one_result_for_all_its_messages() -> None:
    conversation = FIRST + SECOND
    result = answer("/v1/chat/moderations", {"input": conversation})
    assert len(result["results"]) == 1
    assert result["results"] == answer("/v1/moderations", {"input": [conversation]})["results"]
    assert result["results"][0]["category_scores"]["pii"] == 0.169412


def test_embeddings_usage_counts_the_inputs_as_prompt_and_nothing_as_completion() -> None:
    # "abcdefgh" is 3 tokens and "xy" 1 at four characters a token.
    result = answer("/v1/embeddings", {"input": ["abcdefgh", "xy"]})
    assert result["usage"] == {"prompt_tokens": 4, "completion_tokens": 0, "total_tokens": 4}


def test_a_fim_answer_stops_at_max_tokens_with_finish_reason_length() -> None:
    body = {"prompt": "def f(", "suffix": "return 1", "max_tokens": 2}
    result = answer("/v1/fim/completions", body)
    assert result["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Modern hidden.", "tool_calls": None},
            "finish_reason": "length",
        }
    ]
    assert result["usage"] == {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}


def test_a_transcription_answers_in_the_language_asked_or_english() -> None:
    asked = answer("/v1/audio/transcriptions", {"file_id": "x", "language": "fr"})
    assert asked == {
        "model": MODEL,
        "text": "Story simple stone music.",
        "language": "fr",
        "segments": [],
        "usage": {
            "prompt_audio_seconds": 38,
            "prompt_tokens": 152,
            "completion_tokens": 4,
            "total_tokens": 156,
        },
    }
    unasked = answer("/v1/audio/transcriptions", {"file_id": "x"})
    assert unasked["language"] == "en"
