"""Answers of a bounded size. An HTTP read timeout bounds only the gap between two bytes: a
server that drips one byte every half second, or streams an endless body, would hold a call
(and grow its memory) for ever. The client bounds the whole call in time
(``galapagos.deadline``); this module bounds what is read of a response: litellm's HTTP
client for OpenAI-compatible endpoints gets a transport that stops reading a body past
``MAX_ANSWER_BYTES`` with an error that says so."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import litellm

MAX_ANSWER_BYTES = 8 << 20  # an LLM answer, with its JSON envelope


class AnswerTooLarge(httpx.TransportError):
    """The server sent more than ``MAX_ANSWER_BYTES`` for one answer."""


class _Capped(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, limit: int):
        self.inner, self.limit = inner, limit

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self.inner:
            seen += len(chunk)
            if seen > self.limit:
                raise AnswerTooLarge(f"the server sent more than {self.limit:,} bytes for "
                                     "one answer; the rest was not read")
            yield chunk

    def close(self) -> None:
        self.inner.close()


class CappedTransport(httpx.HTTPTransport):
    def __init__(self, limit: int = MAX_ANSWER_BYTES, **kwargs: object):
        super().__init__(**kwargs)  # type: ignore[arg-type]  # httpx's own keywords
        self.limit = limit

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.stream = _Capped(response.stream, self.limit)  # type: ignore[arg-type]
        return response


def install(limit: int = MAX_ANSWER_BYTES) -> None:
    """litellm's shared client for OpenAI-compatible endpoints, with the capped transport
    (unless the user set one of their own)."""
    if litellm.client_session is None:
        litellm.client_session = httpx.Client(transport=CappedTransport(limit))
