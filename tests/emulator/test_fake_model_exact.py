"""The fake model's answers to each endpoint, value for value: keys, ids, scores and usage."""

from __future__ import annotations

from typing import Any

import pytest

from mistral_batch_emulator._fake_model import respond

MODEL = "mistral-small-latest"
CREATED = 1_700_000_000


def answer(endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    return respond(endpoint, body, MODEL, CREATED)


def test_classification_scores_are_a_byte_over_255_and_its_complement() -> None:
    result = answer("/v1/classifications", {"input": ["good wine", "bad bread"]})
    assert result["results"] == [
        {"label": {"scores": {"positive": 0.494118, "negative": 0.505882}}},
        {"label": {"scores": {"positive": 0.141176, "negative": 0.858824}}},
    ]
    assert result["model"] == MODEL


def test_one_classification_input_gets_one_result() -> None:
    alone = answer("/v1/classifications", {"input": "bad bread"})
    in_list = answer("/v1/classifications", {"input": ["good wine", "bad bread"]})
    assert alone["results"] == [in_list["results"][1]]


def test_chat_classification_scores_each_conversation_of_a_list() -> None:
    first = [{"role": "user", "content": "hi"}]
    second = [{"role": "user", "content": "bye"}]
    both = answer("/v1/chat/classifications", {"input": [first, second]})
    assert both["results"] == [
        {"label": {"scores": {"positive": 0.929412, "negative": 0.070588}}},
        {"label": {"scores": {"positive": 0.05098, "negative": 0.94902}}},
    ]
    one = answer("/v1/chat/classifications", {"input": second})
    assert one["results"] == [both["results"][1]]


def test_conversation_answer_is_one_assistant_message_entry() -> None:
    inputs = "tell me a story about cheese"
    result = answer("/v1/conversations", {"inputs": inputs})
    content = result["outputs"][0]["content"]
    assert result == {
        "object": "conversation.response",
        "conversation_id": "conv_56f7e60e01cfc07250e9f795",
        "outputs": [
            {
                "object": "entry",
                "type": "message.output",
                "id": "msg_a2986e9d6e807f7819707b79",
                "role": "assistant",
                "model": MODEL,
                "content": content,
            }
        ],
        "usage": {"prompt_tokens": 8, "completion_tokens": 18, "total_tokens": 26},
    }
    assert len(content.split()) == 18
    assert len(inputs) // 4 + 1 == 8


def test_embeddings_answer_has_a_32_hex_digit_id_and_the_model() -> None:
    result = answer("/v1/embeddings", {"input": "x"})
    assert result["id"] == "f355ddfb831f184172b0851af4249a34"
    assert result["model"] == MODEL
    assert result["object"] == "list"
    assert set(result) == {"id", "object", "model", "data", "usage"}


def test_fim_prompt_tokens_count_both_prompt_and_suffix() -> None:
    # "def f(" is 2 tokens and "return 1" 3 at four characters a token.
    result = answer("/v1/fim/completions", {"prompt": "def f(", "suffix": "return 1"})
    assert result["usage"]["prompt_tokens"] == 5
    alone = answer("/v1/fim/completions", {"prompt": "def f("})
    assert alone["usage"]["prompt_tokens"] == 2


@pytest.mark.parametrize(("number", "pages"), [(0, 1), (1, 3), (3, 2), (5, 1), (9, 2)])
def test_ocr_page_count_is_one_to_three_picked_by_the_body(number: int, pages: int) -> None:
    body = {"document": {"type": "document_url", "document_url": f"https://e.com/{number}.pdf"}}
    result = answer("/v1/ocr", body)
    assert [page["index"] for page in result["pages"]] == list(range(pages))
    assert result["usage_info"] == {"pages_processed": pages, "doc_size_bytes": None}
    assert set(result) == {"pages", "model", "document_annotation", "usage_info"}
    assert result["document_annotation"] is None


def test_moderation_scores_are_a_byte_over_255_times_a_fifth() -> None:
    result = answer("/v1/moderations", {"input": "hello"})
    assert result["results"][0]["category_scores"] == {
        "sexual": 0.016471,
        "hate_and_discrimination": 0.155294,
        "violence_and_threats": 0.067451,
        "dangerous_and_criminal_content": 0.191373,
        "selfharm": 0.123137,
        "health": 0.069804,
        "financial": 0.176471,
        "law": 0.173333,
        "pii": 0.001569,
    }


def test_transcription_usage_counts_four_tokens_a_second_plus_the_text() -> None:
    result = answer("/v1/audio/transcriptions", {"file_url": "https://x/a.mp3"})
    assert result["usage"] == {
        "prompt_audio_seconds": 47,
        "prompt_tokens": 188,
        "completion_tokens": 12,
        "total_tokens": 200,
    }
    assert len(result["text"].split()) == 12
