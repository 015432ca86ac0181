"""A bounded HTTP/1.1 reader and writer for the gateway's socket: one request per
connection, sizes and times capped, so a hostile agent (huge bodies, slow reads, garbage)
costs the host a small, fixed amount and gets a clear error."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Wire:
    header_bytes: int = 16 << 10
    body_bytes: int = 1 << 20
    header_s: float = 5.0           # the whole request head must arrive within this
    body_s: float = 10.0            # and the body within this (slow-loris)
    connections: int = 8            # open at once, per evaluation


class HTTPFault(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


@dataclass
class Request:
    method: str
    path: str
    body: bytes


REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required",
           413: "Payload Too Large", 429: "Too Many Requests", 431: "Header Too Large",
           500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"}


async def read_request(reader: asyncio.StreamReader, wire: Wire) -> Request:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), wire.header_s)
    except asyncio.LimitOverrunError:
        raise HTTPFault(431, f"request head over {wire.header_bytes} bytes") from None
    except asyncio.TimeoutError:
        raise HTTPFault(408, f"request head not received within {wire.header_s:g} s") from None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HTTPFault(400, "malformed request line")
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (ln.partition(":") for ln in lines[1:] if ln)}
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise HTTPFault(501, "chunked bodies are not accepted; send Content-Length")
    return Request(parts[0], parts[1].split("?")[0], await _body(reader, headers, wire))


async def _body(reader: asyncio.StreamReader, headers: dict[str, str], wire: Wire) -> bytes:
    try:
        size = int(headers.get("content-length", "0"))
    except ValueError:
        raise HTTPFault(400, "Content-Length is not a number") from None
    if size < 0 or size > wire.body_bytes:
        raise HTTPFault(413, f"request body over {wire.body_bytes} bytes")
    try:
        return await asyncio.wait_for(reader.readexactly(size), wire.body_s)
    except asyncio.TimeoutError:
        raise HTTPFault(408, f"request body not received within {wire.body_s:g} s") from None


def response(status: int, payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload).encode()
    return (f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode() + body


def error(fault: HTTPFault) -> bytes:
    return response(fault.status, {"error": {"message": fault.message, "type": fault.kind,
                                             "code": fault.status}})
