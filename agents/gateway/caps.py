"""What one evaluation may spend through the gateway, and what it has spent."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caps:
    """Per-evaluation caps (``[task.gateway]``). A call that would pass one is refused with
    HTTP 429 and the cap's name; the agent sees it and stops (its score is what it left)."""

    calls: int = 20
    tokens: int = 40_000          # prompt + completion, over the evaluation
    cost_usd: float = 0.50
    max_tokens: int = 1024        # the most one answer may have (a larger ask is lowered)


@dataclass
class Meter:
    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0

    def refusal(self, caps: Caps, prompt: int = 0) -> str | None:
        """Why the next call may not be made, or None. Checked before each call, so the
        cap binds at the exact call: ``calls`` = N allows N calls, never N + 1; with the
        prompt's length counted, a prompt that leaves no room for an answer is refused
        before it is paid for."""
        if prompt and self.tokens + prompt + 1 > caps.tokens:
            return (f"per-evaluation cap: a prompt of {prompt} tokens does not fit the "
                    f"{max(caps.tokens - self.tokens, 0)} of {caps.tokens} tokens left")
        if self.calls >= caps.calls:
            return f"per-evaluation cap reached: {self.calls} of {caps.calls} calls"
        if self.tokens >= caps.tokens:
            return f"per-evaluation cap reached: {self.tokens} of {caps.tokens} tokens"
        if self.cost_usd >= caps.cost_usd:
            return (f"per-evaluation cap reached: ${self.cost_usd:.4f} of "
                    f"${caps.cost_usd:.4f}")
        return None

    def room(self, caps: Caps, asked: int | None, prompt: int = 0) -> int:
        """The ``max_tokens`` the next answer gets: what was asked, within both caps."""
        return max(1, min(asked or caps.max_tokens, caps.max_tokens,
                          caps.tokens - self.tokens - prompt))
