"""A deterministic stand-in for Mistral's models: the answer is a function of the request.

The request body is hashed and the hash picks the words, scores and vectors, so the same
body always gets the same answer, and answers have the shapes Mistral's endpoints send.
A chat completion follows the body's ``response_format``: a JSON object, or an instance
of a JSON schema (see ``_schema_answer``).
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Callable
from typing import Any

import orjson

from ._schema_answer import instance

# Sixty-four words, so that one byte of a hash picks one.
_WORDS = (
    "the",
    "a",
    "batch",
    "model",
    "answer",
    "cheese",
    "wine",
    "bread",
    "river",
    "mountain",
    "light",
    "quick",
    "careful",
    "bright",
    "small",
    "large",
    "blue",
    "green",
    "red",
    "French",
    "Paris",
    "Lyon",
    "data",
    "file",
    "line",
    "request",
    "result",
    "token",
    "vector",
    "quiet",
    "ocean",
    "forest",
    "city",
    "garden",
    "music",
    "story",
    "question",
    "simple",
    "clear",
    "useful",
    "early",
    "late",
    "north",
    "south",
    "east",
    "west",
    "summer",
    "winter",
    "spring",
    "autumn",
    "stone",
    "glass",
    "paper",
    "silver",
    "golden",
    "ancient",
    "modern",
    "gentle",
    "rapid",
    "steady",
    "open",
    "hidden",
    "calm",
    "warm",
)
_MODERATION_CATEGORIES = (
    "sexual",
    "hate_and_discrimination",
    "violence_and_threats",
    "dangerous_and_criminal_content",
    "selfharm",
    "health",
    "financial",
    "law",
    "pii",
)
EMBEDDING_SIZE = 1024
_EMBEDDING_FORMAT = f"<{EMBEDDING_SIZE}h"


def _digest(value: Any) -> bytes:
    return hashlib.blake2b(
        orjson.dumps(value, option=orjson.OPT_SORT_KEYS), digest_size=32
    ).digest()


def _sentence(digest: bytes, limit: Any = None) -> tuple[str, int, str]:
    """Words picked by ``digest``: the text, its token count and the finish reason."""
    count = 4 + digest[0] % 24
    finish = "stop"
    if isinstance(limit, int) and not isinstance(limit, bool) and 0 < limit < count:
        count, finish = limit, "length"
    words = [_WORDS[byte & 63] for byte in digest[1 : 1 + count]]
    return " ".join(words).capitalize() + ".", count, finish


def _tokens(value: Any) -> int:
    """A rough token count of the text in ``value`` (four characters a token)."""
    if isinstance(value, str):
        return len(value) // 4 + 1
    if isinstance(value, list):
        return sum(_tokens(item) for item in value)
    if isinstance(value, dict):
        return sum(_tokens(item) for key, item in value.items() if key in _TEXT_KEYS)
    return 0


_TEXT_KEYS = frozenset({"content", "text", "messages", "input", "inputs", "prompt", "suffix"})


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item if isinstance(item, str) else orjson.dumps(item).decode() for item in value]
    return [orjson.dumps(value).decode()]


def _cut(text: str, limit: Any) -> tuple[str, int, str]:
    """A structured answer's text, its token count and the finish reason under ``limit``.

    An answer cut short is never the whole text, so it is never valid JSON.
    """
    count = len(text) // 4 + 1
    if isinstance(limit, int) and not isinstance(limit, bool) and 0 < limit < count:
        return text[: min(limit * 4, len(text) - 1)], limit, "length"
    return text, count, "stop"


def _said(body: dict[str, Any], digest: bytes) -> tuple[str, int, str]:
    """What a chat completion says, in the ``response_format`` the body asks for."""
    form = body.get("response_format")
    form = form if isinstance(form, dict) else {}
    if form.get("type") == "json_schema":
        spec = form.get("json_schema")
        value = instance(spec.get("schema") if isinstance(spec, dict) else {}, digest, _WORDS)
    elif form.get("type") == "json_object":
        value = {"answer": _sentence(digest)[0]}
    else:
        return _sentence(digest, body.get("max_tokens"))
    return _cut(orjson.dumps(value).decode(), body.get("max_tokens"))


def _completion(
    body: dict[str, Any], model: str, created: int, digest: bytes, said: tuple[str, int, str]
) -> dict[str, Any]:
    text, count, finish = said
    return {
        "id": digest[:16].hex(),
        "object": "chat.completion",
        "model": model,
        "created": created,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "tool_calls": None},
                "finish_reason": finish,
            }
        ],
        "usage": _usage(_tokens(body.get("messages")), count),
    }


def _chat(body: dict[str, Any], model: str, created: int, digest: bytes) -> dict[str, Any]:
    return _completion(body, model, created, digest, _said(body, digest))


def _fim(body: dict[str, Any], model: str, created: int, digest: bytes) -> dict[str, Any]:
    said = _sentence(digest, body.get("max_tokens"))
    answer = _completion(body, model, created, digest, said)
    prompt = _tokens(body.get("prompt")) + _tokens(body.get("suffix"))
    answer["usage"] = _usage(prompt, answer["usage"]["completion_tokens"])
    return answer


def embedding(text: str, model: str) -> list[float]:
    """The unit vector of ``text``: 1024 floats picked by its hash."""
    raw = hashlib.shake_256(f"{model}\0{text}".encode()).digest(2 * EMBEDDING_SIZE)
    values = struct.unpack(_EMBEDDING_FORMAT, raw)
    norm = math.sqrt(math.fsum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _embeddings(body: dict[str, Any], model: str, created: int, digest: bytes) -> dict[str, Any]:
    texts = _texts(body.get("input"))
    return {
        "id": digest[:16].hex(),
        "object": "list",
        "model": model,
        "data": [
            {"object": "embedding", "embedding": embedding(text, model), "index": index}
            for index, text in enumerate(texts)
        ],
        "usage": _usage(sum(_tokens(text) for text in texts), 0),
    }


def _scores(seed: bytes, labels: tuple[str, ...]) -> dict[str, float]:
    return {label: round(seed[i % len(seed)] / 255 * 0.2, 6) for i, label in enumerate(labels)}


def _moderations(body: dict[str, Any], model: str, created: int, digest: bytes) -> dict[str, Any]:
    value = body.get("input")
    items = value if isinstance(value, list) else [value]
    results = []
    for item in items:
        scores = _scores(_digest(item), _MODERATION_CATEGORIES)
        results.append(
            {
                "categories": {label: score > 0.5 for label, score in scores.items()},
                "category_scores": scores,
            }
        )
    return {"id": digest[:16].hex(), "model": model, "results": results}


def _chat_moderations(
    body: dict[str, Any], model: str, created: int, digest: bytes
) -> dict[str, Any]:
    value = body.get("input")
    conversations = (
        value if isinstance(value, list) and value and isinstance(value[0], list) else [value]
    )
    return _moderations({"input": conversations}, model, created, digest)


def _classifications(
    body: dict[str, Any], model: str, created: int, digest: bytes
) -> dict[str, Any]:
    value = body.get("input")
    items = value if isinstance(value, list) else [value]
    results = []
    for item in items:
        positive = round(_digest(item)[0] / 255, 6)
        results.append(
            {"label": {"scores": {"positive": positive, "negative": round(1 - positive, 6)}}}
        )
    return {"id": digest[:16].hex(), "model": model, "results": results}


def _chat_classifications(
    body: dict[str, Any], model: str, created: int, digest: bytes
) -> dict[str, Any]:
    value = body.get("input")
    items = value if isinstance(value, list) and value and isinstance(value[0], list) else [value]
    return _classifications({"input": items}, model, created, digest)


def _ocr(body: dict[str, Any], model: str, created: int, digest: bytes) -> dict[str, Any]:
    pages = []
    for index in range(1 + digest[0] % 3):
        text, _, _ = _sentence(digest[index:] + digest[:index])
        pages.append(
            {
                "index": index,
                "markdown": f"# Page {index + 1}\n\n{text}\n",
                "images": [],
                "dimensions": {"dpi": 200, "height": 2200, "width": 1700},
            }
        )
    return {
        "pages": pages,
        "model": model,
        "document_annotation": None,
        "usage_info": {"pages_processed": len(pages), "doc_size_bytes": None},
    }


def _conversations(body: dict[str, Any], model: str, created: int, digest: bytes) -> dict[str, Any]:
    text, count, _ = _sentence(digest)
    return {
        "object": "conversation.response",
        "conversation_id": "conv_" + digest[:12].hex(),
        "outputs": [
            {
                "object": "entry",
                "type": "message.output",
                "id": "msg_" + digest[12:24].hex(),
                "role": "assistant",
                "model": model,
                "content": text,
            }
        ],
        "usage": _usage(_tokens(body.get("inputs")), count),
    }


def _transcriptions(
    body: dict[str, Any], model: str, created: int, digest: bytes
) -> dict[str, Any]:
    text, count, _ = _sentence(digest)
    seconds = 1 + digest[2] % 60
    return {
        "model": model,
        "text": text,
        "language": body.get("language") or "en",
        "segments": [],
        "usage": {
            "prompt_audio_seconds": seconds,
            "prompt_tokens": seconds * 4,
            "completion_tokens": count,
            "total_tokens": seconds * 4 + count,
        },
    }


_HANDLERS: dict[str, Callable[[dict[str, Any], str, int, bytes], dict[str, Any]]] = {
    "/v1/chat/completions": _chat,
    "/v1/embeddings": _embeddings,
    "/v1/fim/completions": _fim,
    "/v1/moderations": _moderations,
    "/v1/chat/moderations": _chat_moderations,
    "/v1/ocr": _ocr,
    "/v1/classifications": _classifications,
    "/v1/chat/classifications": _chat_classifications,
    "/v1/conversations": _conversations,
    "/v1/audio/transcriptions": _transcriptions,
}


def respond(endpoint: str, body: dict[str, Any], model: str, created: int) -> dict[str, Any]:
    """The fake model's answer to a valid ``body`` sent to ``endpoint``."""
    return _HANDLERS[endpoint](body, model, created, _digest(body))
