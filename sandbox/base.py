"""The Sandbox protocol every backend implements, sync and async."""

from __future__ import annotations

from typing import Protocol

from galapagos.sandbox.spec import RunRequest, RunResult


class Sandbox(Protocol):
    backend: str
    is_security_boundary: bool

    def run(self, request: RunRequest) -> RunResult: ...

    async def arun(self, request: RunRequest) -> RunResult: ...

    def close(self) -> None: ...
