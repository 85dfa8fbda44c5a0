"""Which redirects are followed, decided without a server: each refusal word for word, and
the longest chain allowed, exactly."""

from __future__ import annotations

import httpx
import pytest

from mistral_batch._redirects import MAX_REDIRECTS, redirect_target
from mistral_batch.errors import UnsafeResponseError

HERE = httpx.URL("https://api.example/v1/files/f/content")


def refusal(method: str, status: int, location: str, url: httpx.URL = HERE) -> str:
    with pytest.raises(UnsafeResponseError) as caught:
        redirect_target(method, url, status, location, [url])
    return str(caught.value)


def test_each_refusal_says_why_and_where() -> None:
    where = "GET https://api.example"
    assert refusal("GET", 302, "http://[::1") == "a redirect to an unreadable location (302)"
    assert (
        refusal("GET", 302, "ftp://files.example/x") == f"{where}: refused a redirect to a ftp: URL"
    )
    assert (
        refusal("GET", 302, "http://cdn.example/x")
        == f"{where}: refused a redirect from https to plain http (cdn.example)"
    )
    assert refusal("POST", 302, "/v1/other") == (
        "POST https://api.example: refused a 302 redirect, which would send the request again "
        "as a GET without its body"
    )
    assert refusal("POST", 307, "https://other.example/x") == (
        "POST https://api.example: refused a redirect of a POST to another origin (other.example)"
    )
    assert refusal("GET", 302, str(HERE)) == f"{where}: redirect loop after 1 hops"


def test_a_chain_may_be_max_redirects_long_and_no_longer() -> None:
    seen = [HERE.copy_with(path=f"/hop/{i}") for i in range(MAX_REDIRECTS)]
    target = redirect_target("GET", seen[-1], 302, "/next", seen)
    assert target == HERE.copy_with(path="/next")
    seen.append(target)
    with pytest.raises(UnsafeResponseError, match=f"redirect loop after {MAX_REDIRECTS + 1} hops"):
        redirect_target("GET", seen[-1], 302, "/beyond", seen)


def test_safe_redirects_are_followed_where_they_point() -> None:
    cdn = redirect_target("GET", HERE, 302, "https://cdn.example/blob?sig=1", [HERE])
    assert cdn == httpx.URL("https://cdn.example/blob?sig=1")
    same = redirect_target("POST", HERE, 308, "/v1/files/g", [HERE])
    assert same == httpx.URL("https://api.example/v1/files/g")
