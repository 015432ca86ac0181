"""The loop as a LangGraph StateGraph. Routers return node names; a checkpoint after
every node (written synchronously) lets ``resume`` continue exactly where a run stopped.

    START ─► seed ─► gate ─┬─► select ─► parent_eval ─► propose ─┬─► child_eval ─┐
                           │                                     └─► gate         │
                           ├─► finish ─► END      gate ◄─ validate ◄─ (accepted) ─┤
                           │                      gate ◄──────────── (rejected) ──┘
                           └─► flight ─► gate     ([loop] in_flight > 1: K iterations at once)

Only ``gate`` and the budget check inside a paid step (the one stop decision in
``budget.py``) set ``stop_reason``; every router sends a stopped run to ``finish``, and a
run stopped inside an iteration records the step (``resume_at``) where resume starts.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from galapagos.errors import BudgetExhausted
from galapagos.orchestrator.budget import OutOfBudget
from galapagos.orchestrator.loop import Loop
from galapagos.orchestrator.state import LoopState


Step = Literal["seed", "gate", "select", "parent_eval", "propose", "child_eval",
               "validate", "flight", "finish"]


def as_node(name: str, step: Callable[[LoopState], dict[str, Any]],
            on_start: Callable[[float], None] = lambda elapsed_s: None
            ) -> Callable[[LoopState], dict[str, Any]]:
    """One of the Loop's steps as a graph node: timed into ``elapsed_s``; a budget found
    spent inside it (the one stop decision, asked before each paid step) stops the run and
    remembers the node, so that ``resume`` with more budget finishes the iteration it
    started. The steps themselves are plain methods, which a flight composes directly."""

    @functools.wraps(step)
    def wrapper(state: LoopState) -> dict[str, Any]:
        start = time.perf_counter()
        on_start(state.get("elapsed_s", 0.0))
        try:
            update = step(state)
            if state.get("resume_at") == name:  # the interrupted step is done now
                update["resume_at"] = None
        except (OutOfBudget, BudgetExhausted) as exc:
            update = {"stop_reason": str(exc), "resume_at": name}
        update["elapsed_s"] = state.get("elapsed_s", 0.0) + time.perf_counter() - start
        return update

    return wrapper


def _entry(state: LoopState) -> Step:
    """A fresh run seeds; a run stopped inside an iteration finishes that iteration first."""
    if not state.get("seeded"):
        return "seed"
    return state.get("resume_at") or "gate"  # type: ignore[return-value]


def _after_gate(state: LoopState, in_flight: int = 1) -> Literal["select", "flight", "finish"]:
    if state.get("stop_reason"):
        return "finish"
    return "flight" if in_flight > 1 else "select"


def _after_step(state: LoopState) -> Literal["propose", "finish"]:
    return "finish" if state.get("stop_reason") else "propose"


def _after_propose(state: LoopState) -> Literal["child_eval", "gate", "finish"]:
    if state.get("stop_reason"):
        return "finish"
    return "child_eval" if state.get("child") else "gate"


def _after_child(state: LoopState) -> Literal["validate", "gate", "finish"]:
    if state.get("stop_reason"):
        return "finish"
    return "validate" if state.get("accepted") else "gate"


def _after_validate(state: LoopState) -> Literal["gate", "finish"]:
    return "finish" if state.get("stop_reason") else "gate"


def build_graph(loop: Loop, checkpointer: Any) -> Any:
    g = StateGraph(LoopState)
    for name in ("seed", "gate", "select", "parent_eval", "propose", "child_eval", "validate",
                 "flight", "finish"):
        g.add_node(name, as_node(name, getattr(loop, name), loop.budget.clock))
    g.add_conditional_edges(START, _entry)
    g.add_edge("seed", "gate")
    k = loop.cfg.loop.in_flight
    g.add_conditional_edges("gate", lambda state: _after_gate(state, k),
                            ["select", "flight", "finish"])
    g.add_edge("select", "parent_eval")
    g.add_conditional_edges("parent_eval", _after_step)
    g.add_conditional_edges("propose", _after_propose)
    g.add_conditional_edges("child_eval", _after_child)
    g.add_conditional_edges("validate", _after_validate)
    g.add_conditional_edges("flight", _after_validate)
    g.add_edge("finish", END)
    return g.compile(checkpointer=checkpointer)
