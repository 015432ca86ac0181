"""The nodes of the evolution loop. Each reads the typed state, does one step, writes what
it paid for to the archive, and returns a partial state; LangGraph checkpoints after each.
A node that re-runs after a crash finds its evaluations and LLM answers in the archive."""

from __future__ import annotations

import math
import random
from typing import Any

from galapagos.archive import Archive, Candidate, Evaluation
from galapagos.archive.events import Outcome
from galapagos.errors import BudgetExhausted, InfrastructureError, LLMAuthError
from galapagos.orchestrator.acceptance import NEVER_ABOVE_PARENT, accepts
from galapagos.orchestrator.allocation import Tallies, shares
from galapagos.orchestrator.budget import Budget, Usage
from galapagos.orchestrator.config import Config
from galapagos.orchestrator.config_search import settings_text
from galapagos.orchestrator.evaluator import Evaluator
from galapagos.orchestrator.events import (BestImproved, EventBus, IterationEnded, RunEvent,
                                           RunFinished, SeedScored)
from galapagos.orchestrator.final import Finals, summarize
from galapagos.orchestrator.flight import fly
from galapagos.orchestrator.fronts import Fronts
from galapagos.orchestrator.interrupt import InterruptFlag
from galapagos.orchestrator.minibatch import epoch_minibatch
from galapagos.orchestrator.proposers import Proposal, ProposalContext
from galapagos.orchestrator.proposers.build import InPlay, in_turn, rotating
from galapagos.orchestrator.race import chunks, standing, stops
from galapagos.orchestrator.vetting import attempts, vet
from galapagos.orchestrator.selectors import Selector
from galapagos.orchestrator.state import LoopState, rng_from, rng_state
from galapagos.tasks.protocol import Instance, ProgramTask, Task, traits

EPS = 1e-9
SKIPPED = "skipped: the parent is perfect on its minibatch (no LLM call, no child)"


class Loop:
    def __init__(self, *, run_id: str, cfg: Config, archive: Archive, task: Task,
                 evaluator: Evaluator, selector: Selector, proposers: InPlay,
                 budget: Budget, bus: EventBus, interrupt: InterruptFlag):
        self.run_id, self.cfg, self.archive, self.task = run_id, cfg, archive, task
        self.evaluator, self.selector = evaluator, selector
        self.mutations, self.merge = proposers.mutations, proposers.merge
        self.merge_every = proposers.every
        self.budget, self.bus, self.interrupt = budget, bus, interrupt
        names = [*self.mutations, *([self.merge.name] if self.merge else [])]
        self.rotating, self.in_turn = rotating(names), in_turn(names)
        self.splits: dict[str, list[Instance]] = {"train": [], "val": [], "test": []}
        for inst in task.instances():
            self.splits[inst.split].append(inst)
        self.by_id = {i.id: i for i in task.instances()}
        self.editable = task.editable() if isinstance(task, ProgramTask) else None
        self.traits = traits(task)
        self.perfect_score = self.traits.perfect_score
        order = random.Random(f"{cfg.run.seed}:stages").sample(
            self.splits["val"], len(self.splits["val"]))
        self.stage_order = order  # fixed per run: every child meets the same subsets
        pool = archive.pool(run_id)
        val_ids = {i.id for i in self.splits["val"]}
        objectives = cfg.selector.objectives
        self.fronts = Fronts(cfg.selector.frontier, self.traits.objectives
                             if objectives is None else objectives)
        self.frontier = self.fronts.rebuild(archive, evaluator.task_key, pool, val_ids)
        self.tallies = Tallies(cfg.proposers.bandit.cost)  # the bandit's, from the archive

    # helpers --------------------------------------------------------------
    def emit(self, event: RunEvent, key: str) -> None:
        self.archive.emit(event, key)
        self.bus.publish(event)

    def usage(self, state: LoopState) -> Usage:
        return self.budget.usage(state["iteration"], state.get("elapsed_s", 0.0),
                                 state["iteration"] - state["improved_at"],
                                 state.get("best_val"))

    def _mean(self, evals: dict[str, Evaluation]) -> float:
        return sum(e.score for e in evals.values()) / max(len(evals), 1)

    def _end_iteration(self, state: LoopState, outcome: Outcome, **data: Any) -> None:
        u = self.usage(state)
        self.emit(IterationEnded(
            self.run_id, state["iteration"], outcome, state.get("parent"), state.get("proposer"),
            u.metric_calls, u.llm_usd, u.llm_tokens, u.gpu_s, u.elapsed_s,
            len(self.frontier.frequencies()), max(state["best_val"], data.get("val") or 0.0),
            **data), f"it:{state['iteration']}")

    def seed_components(self) -> dict[str, str]:
        """The task's seed, with the [search_space] knobs in its settings component."""
        components = dict(self.task.seed_candidate())
        if self.cfg.search_space and self.traits.settings_component:
            components[self.traits.settings_component] = settings_text(self.cfg.search_space)
        return components

    # nodes ----------------------------------------------------------------
    def seed(self, state: LoopState) -> dict[str, Any]:
        files = self.task.seed_files() if isinstance(self.task, ProgramTask) else {}
        cand = Candidate(self.seed_components(), files=files)
        self.archive.add_candidate(self.run_id, cand, iteration=0, role="seed")
        evals = self.evaluator.run(cand, self.splits["val"], "val", enforce_budget=False)
        self.fronts.add(self.frontier, cand.id, evals)
        self.archive.save_frontier(self.run_id, self.frontier)
        mean = self._mean(evals)
        self.archive.update_run(self.run_id, status="running", seed_candidate=cand.id,
                                best_candidate=cand.id)
        self.emit(SeedScored(self.run_id, 0, cand.id, mean), "seed")
        return {"seeded": True, "best": cand.id, "best_val": mean}

    def gate(self, state: LoopState) -> dict[str, Any]:
        self.interrupt.check()
        return {"stop_reason": self.budget.stop_reason(self.usage(state))}

    def select(self, state: LoopState) -> dict[str, Any]:
        rng = rng_from(state)
        iteration = state["iteration"] + 1
        pool = self.archive.pool(self.run_id)
        parent = self.selector.select(self.frontier, pool, rng)
        minibatch = self._draw_minibatch(iteration, rng)
        proposer = self._pick_proposer(iteration, rng)
        return {"iteration": iteration, "parent": parent, "minibatch": minibatch,
                "proposer": proposer, "child": None, "accepted": False, "resample": False,
                "rng": rng_state(rng)}

    def _draw_minibatch(self, iteration: int, rng: random.Random) -> list[str]:
        train, k = self.splits["train"], self.cfg.loop.minibatch_size
        if self.cfg.loop.minibatches == "epoch":
            return epoch_minibatch([i.id for i in train], k, iteration, self.cfg.run.seed)
        return [i.id for i in rng.sample(train, min(k, len(train)))]

    def _pick_proposer(self, iteration: int, rng: Any) -> str:
        if self.merge and (not self.mutations or (
                iteration % self.merge_every == 0 and len(self.frontier.frequencies()) >= 2)):
            return self.merge.name
        names = sorted(self.mutations)
        weights = [self.cfg.proposers.weights.get(n, 1.0) for n in names]
        if (bandit := self.cfg.proposers.bandit).enabled:
            t = self.tallies
            t.fold(self.archive.iterations(self.run_id, after=t.upto), before=iteration)
            weights = shares(names, weights, t, bandit.prior, bandit.explore)
        return rng.choices(names, weights=weights, k=1)[0]

    def parent_eval(self, state: LoopState) -> dict[str, Any]:
        parent = self.archive.get_candidate(state["parent"])
        evals = self.evaluator.run(parent, self.minibatch(state), "train")
        return {"parent_mb": sum(e.score for e in evals.values())}

    def minibatch(self, state: LoopState) -> list[Instance]:
        return [self.by_id[i] for i in state["minibatch"]]

    def propose(self, state: LoopState) -> dict[str, Any]:
        update, prop, parent = self.draft(state)
        return {**update, **self.settle(state, prop, parent)}

    def draft(self, state: LoopState, since: int | None = None,
              siblings: tuple[Candidate, ...] = ()) -> tuple[dict[str, Any], Proposal | str,
                                                             Candidate]:
        """The proposal (the LLM's part; writes nothing), or why the iteration failed.
        ``since``: the first iteration of its flight (default: this one); ``siblings``:
        the children its flight drafted before it, for a proposer that sees them."""
        rng = rng_from(state)
        parent = self.archive.get_candidate(state["parent"])
        minibatch = self.minibatch(state)
        results = self.evaluator.run(parent, minibatch, "train", enforce_budget=False)
        ctx = ProposalContext(
            self.run_id, state["iteration"], parent, minibatch, results, self.splits["train"],
            rng, self.frontier, self.archive.get_candidate, self.archive.lineage,
            state["cursor"], self.traits.demo_component,
            set(state["tried_merges"]), self.editable,
            lambda cid: attempts(self.archive, self.run_id, cid, before=state["iteration"]),
            state["iteration"] if since is None else since, siblings)
        update = {"rng": rng_state(rng), "child": None}  # as drawn before the proposal
        proposer = self.mutations.get(state["proposer"]) or self.merge
        assert proposer is not None
        if self._perfect(results):
            return update, Proposal(proposer.name, rejected=SKIPPED), parent
        try:
            prop: Proposal | str = proposer.propose(ctx)
        except (BudgetExhausted, LLMAuthError):
            raise  # a stop, not a failed iteration (the node wrapper records where)
        except InfrastructureError as exc:  # a model or sandbox fault while proposing
            prop = str(exc)
        return update, prop, parent

    def _perfect(self, results: dict[str, Evaluation]) -> bool:
        """The parent is perfect on its minibatch, so no child can beat it (gepa's skip)."""
        top = self.perfect_score
        return (top is not None and self.cfg.loop.skip_perfect
                and self.cfg.loop.acceptance in NEVER_ABOVE_PARENT
                and all(e.score >= top - EPS for e in results.values()))

    def settle(self, state: LoopState, prop: Proposal | str, parent: Candidate
               ) -> dict[str, Any]:
        """Record the proposal's outcome: a failed iteration, a rejection, or the child."""
        if isinstance(prop, str):
            self._end_iteration(state, "failed", error=prop)
            return {"failed_iterations": state["failed_iterations"] + 1}
        return self._adopt(state, prop, parent)

    def _adopt(self, state: LoopState, prop: Proposal, parent: Candidate) -> dict[str, Any]:
        update: dict[str, Any] = {}
        if prop.proposer in self.rotating:  # it rewrote the component at the cursor
            update["cursor"] = state["cursor"] + 1
        if prop.remember:
            update["tried_merges"] = [*state["tried_merges"], prop.remember]
        if prop.resample and prop.child is not None:  # scored again in child_eval, not new
            return {**update, "child": prop.child.id, "resample": True}
        # earlier iterations only: a node re-run after a crash meets its own writes
        tried = self.archive.candidate_ids(self.run_id, before=state["iteration"])
        reason = prop.rejected or (
            "the same program or prompt was already tried in this run"
            if prop.child is None or prop.child.id in tried
            else vet(self.task, self.editable, parent, prop.child))
        if reason or prop.child is None:
            failed = prop.child is not None and prop.child.id not in tried
            if failed:  # kept, with its reason, as a failed attempt (never in the pool)
                self.archive.add_candidate(self.run_id, prop.child,
                                           iteration=state["iteration"], role="failed")
            self._end_iteration(state, "rejected", reason=reason, note=prop.note,
                                meta_prompt=prop.meta_prompt,
                                **({"child": prop.child.id} if failed else {}))
            return update
        self.archive.add_candidate(self.run_id, prop.child, iteration=state["iteration"],
                                   role="proposed")
        return {**update, "child": prop.child.id}

    def child_eval(self, state: LoopState) -> dict[str, Any]:
        child = self.archive.get_candidate(state["child"])
        minibatch = self.minibatch(state)
        evals = self.evaluator.run(child, minibatch, "train")
        score = sum(e.score for e in evals.values())
        if state.get("resample"):  # a better estimate of a known candidate: nothing to accept
            self._end_iteration(state, "resampled", parent_mb=state["parent_mb"],
                                child_mb=score, note=f"scored {child.id} again")
            return {"child_mb": score, "accepted": False}
        parent = state["parent_mb"]
        accepted = accepts(self.cfg.loop.acceptance, [evals[i.id].score for i in minibatch],
                           self._parent_scores(state, minibatch, parent), self.cfg.loop.z)
        if not accepted:
            self._end_iteration(state, "rejected", child=state["child"], parent_mb=parent,
                                child_mb=score, reason="not better on the minibatch")
        return {"child_mb": score, "accepted": accepted}

    def _parent_scores(self, state: LoopState, minibatch: list[Instance],
                       parent_mb: float) -> list[float]:
        """The parent's scores on the minibatch, one per instance where the rule pairs
        them (read back: parent_eval paid them); else its sum as one score."""
        if self.cfg.loop.acceptance != "paired":
            return [parent_mb]
        parent = self.archive.get_candidate(state["parent"])
        evals = self.evaluator.run(parent, minibatch, "train", enforce_budget=False)
        return [evals[i.id].score for i in minibatch]

    def validate(self, state: LoopState) -> dict[str, Any]:
        child = self.archive.get_candidate(state["child"])
        if (out := self._staged_out(state, child)) is not None:
            return out
        if (out := self._raced_out(state, child)) is not None:
            return out
        evals = self.evaluator.run(child, self.splits["val"], "val")  # staged ones are cached
        self.archive.add_candidate(self.run_id, child, iteration=state["iteration"],
                                   role="accepted")
        self.fronts.add(self.frontier, child.id, evals)
        self.archive.save_frontier(self.run_id, self.frontier)
        mean = self._mean(evals)
        improved = mean > state["best_val"] + EPS
        self._end_iteration(state, "accepted", child=child.id, parent_mb=state["parent_mb"],
                            child_mb=state["child_mb"], val=mean, new_best=improved)
        if not improved:
            return {}
        self.archive.update_run(self.run_id, best_candidate=child.id)
        self.emit(BestImproved(self.run_id, state["iteration"], child.id, mean),
                  f"best:{state['iteration']}")
        return {"best": child.id, "best_val": mean, "improved_at": state["iteration"]}

    def _staged_out(self, state: LoopState, child: Candidate) -> dict[str, Any] | None:
        """Cascade: score the child on growing subsets of val; stop at a missed bar."""
        for k, stage in enumerate(self.cfg.loop.stages, 1):
            subset = self.stage_order[:stage.instances]
            mean = self._mean(self.evaluator.run(child, subset, "val"))
            bar = stage.threshold * (self._mean(self.archive.cached_evaluations(
                self.evaluator.task_key, state["best"], [i.id for i in subset], "val"))
                if stage.relative else 1.0)
            if mean < bar - EPS:
                saved = len(self.splits["val"]) - len(subset)
                self._end_iteration(state, "staged_out", child=child.id, stage=k,
                                    parent_mb=state["parent_mb"], child_mb=state["child_mb"],
                                    stage_val=mean, bar=bar, saved_calls=saved,
                                    reason=f"missed stage {k}: {mean:.4g} < {bar:.4g}")
                return {}
        return None

    def _raced_out(self, state: LoopState, child: Candidate) -> dict[str, Any] | None:
        """Race the child against its parent on val (``race.py``); stop it early."""
        race, order = self.cfg.loop.race, self.stage_order
        ids = [i.id for i in order]
        parent = self.archive.cached_evaluations(self.evaluator.task_key, state["parent"],
                                                 ids, "val")
        if (not race.enabled or self.cfg.loop.acceptance == "all" or not ids
                or len(parent) < len(ids)):
            return None  # "all" keeps worse children; a partial parent sets no pace
        total = sum(e.score for e in parent.values())
        top = self.perfect_score if self.perfect_score is not None else math.inf
        for n in chunks(len(ids), race.chunk, race.min_instances):
            got = self.evaluator.run(child, order[:n], "val")  # earlier chunks are cached
            s = standing([got[i].score for i in ids[:n]], [parent[i].score for i in ids[:n]],
                         total, len(ids), race.z, top)
            if stops(s, race.min_instances):
                self._end_iteration(
                    state, "staged_out", child=child.id, parent_mb=state["parent_mb"],
                    child_mb=state["child_mb"], stage_val=self._mean(got),
                    bar=sum(parent[i].score for i in ids[:n]) / n, saved_calls=s.saved,
                    reason=f"raced out after {n} of {len(ids)} val instances: "
                    f"{s.mean_diff:+.3g} per instance against the parent")
                return {}
        return None

    def flight(self, state: LoopState) -> dict[str, Any]:
        """K iterations at once (``[loop] in_flight``); see ``flight.py``."""
        return fly(self, state)

    def finish(self, state: LoopState) -> dict[str, Any]:
        run = self.archive.get_run(self.run_id)
        if not run["seed_candidate"]:  # the wall-clock budget ran out while the seed was
            self.archive.update_run(  # scored: nothing to summarise; resume scores it
                self.run_id, status="interrupted",
                stop_reason=f"{state['stop_reason']}, before the seed was scored")
            return {}
        finals = Finals(self.cfg.loop, self.frontier, self.splits, self.archive, self.evaluator)
        chosen = summarize(finals, state, run["seed_candidate"])
        u = self.usage(state)
        summary = {**chosen, "iterations": u.iterations,
                   "metric_calls": u.metric_calls,
                   "test_calls": self.archive.metric_calls_by_split(self.run_id).get("test", 0),
                   "llm_usd": u.llm_usd,
                   "llm_tokens": u.llm_tokens, "elapsed_s": u.elapsed_s,
                   "gpu_s": self.archive.gpu_seconds(self.run_id),
                   "objectives": dict(self.fronts.objectives),
                   "failed_iterations": state["failed_iterations"],
                   "staging_saved_calls": sum(r.saved_calls or 0 for r in
                                              self.archive.iterations(self.run_id))}
        self.archive.update_run(self.run_id, status="finished", stop_reason=state["stop_reason"],
                                best_candidate=chosen["best"], summary=summary)
        self.emit(RunFinished(self.run_id, state["iteration"], state["stop_reason"], summary),
                  f"finish:{state['iteration']}")
        return {}
