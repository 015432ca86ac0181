"""The search's part of the configuration: the selector, the proposers and the loop."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo,
                      field_validator)

from galapagos.orchestrator.strategies import FRONTIERS, PROPOSERS, SELECTORS

ProposerName = Annotated[str, AfterValidator(PROPOSERS.check)]  # built in or a plug-in

Strict = ConfigDict(extra="forbid", validate_assignment=True)


class Section(BaseModel):
    """A table of the config: unknown keys are refused, and ``true``/``false`` is never
    taken for a number or a text (pydantic would read ``false`` as 0)."""

    model_config = Strict

    @field_validator("*", mode="before")
    @classmethod
    def _no_stray_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and not _admits_bool(field.annotation):
            raise ValueError("true/false is not allowed here; write a value of the "
                             "field's own type")
        return value


def _admits_bool(annotation: Any) -> bool:
    if annotation in (bool, Any) or isinstance(annotation, str):
        return True
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_admits_bool(a) for a in args)
    return origin is Literal and any(isinstance(a, bool) for a in args)


class SelectorConfig(Section):
    kind: str = Field(
        "pareto", description="How the parent is picked: 'pareto' (per-instance frontier, "
        "frequency-weighted, as GEPA), 'best' (highest mean val), 'epsilon' (best, or with "
        "probability epsilon a random pool member), 'dgm' (open-ended, as the Darwin Gödel "
        "Machine: sigmoid of the mean val score times 1/(1 + children)).")
    epsilon: float = Field(0.1, ge=0, le=1, description="Exploration rate of 'epsilon'.")

    @field_validator("kind")
    @classmethod
    def _known(cls, v: str) -> str:
        return SELECTORS.check(v)
    frontier: Annotated[str, AfterValidator(FRONTIERS.check)] = Field(
        "instance", description="The fronts 'pareto' and merge draw from: one per val "
        "instance (GEPA's), one per objective (its val mean), both ('hybrid'), or one per "
        "(instance, objective) ('cartesian').")
    objectives: dict[str, Literal["min", "max"]] | None = Field(
        None, description="Objectives besides the score, with their direction, e.g. "
        "{ tokens = \"min\" }; default: those the task declares.")


class ReflectiveConfig(Section):
    components: list[str] = Field(default_factory=list, description="Components the "
                                  "reflective proposer may rewrite, round robin; empty: all.")
    style: Literal["auto", "instruct", "completion"] = Field(
        "auto", description="Meta-prompts: 'instruct' asks for a better text; 'completion' "
        "gives a document to continue (instruction induction from demonstrations, worked "
        "rewrites), which a base model can do; 'auto': completion when [llm] is a base "
        "model.")
    recall: int = Field(4, ge=0, le=16, description="Show an instruction model the last N "
                        "texts already tried in place of the parent's and rejected, with "
                        "their minibatch scores, so it writes something else (0: none). A "
                        "base model's documents do not show them.")


class PDRConfig(Section):
    drafts: int = Field(3, ge=2, le=8, description="Reflective drafts written in parallel "
                        "before one is distilled from them and refined.")


class STOPConfig(Section):
    every: int = Field(4, ge=1, description="Evolve the meta-prompt every N-th use of the "
                       "self-improving proposer (STOP).")
    explore: float = Field(1.0, ge=0, description="UCB exploration weight when picking a "
                           "meta-prompt by the gains its children reached on minibatches.")


class DemosConfig(Section):
    max_demos: int = Field(8, ge=1, le=32, description="Most demonstrations in a candidate.")
    fill: bool = Field(True, description="Fill an empty demonstrations component with "
                       "max_demos examples in one child (false: add one at a time).")
    by_effect: bool = Field(True, description="Choose the demonstrations to add and remove "
                            "by their measured effect on minibatches in this run (false: "
                            "uniformly, label balance aside).")


class MergeConfig(Section):
    every: int = Field(4, ge=1, description="Try a merge every N-th iteration when two "
                       "frontier candidates share an ancestor.")


class BanditConfig(Section):
    enabled: bool = Field(False, description="Draw each mutation proposer by its measured "
                          "yield in this run (children accepted per metric call or dollar) "
                          "instead of by its weight alone.")
    cost: Literal["calls", "usd"] = Field("calls", description="What a proposer's "
                                          "iterations cost: metric calls or LLM dollars.")
    prior: float = Field(30.0, gt=0, description="The cost a proposer is credited with "
                         "before it is tried (one accepted child's worth), so none starves.")
    explore: float = Field(0.2, ge=0, le=1, description="The share drawn by plain weight "
                           "whatever the yields.")


class CarbsConfig(Section):
    cost: str = Field("duration_s", description="What an evaluation costs, for CARBS' "
                      "score-cost front: an objective the task reports (e.g. 'gpu_s', "
                      "'tokens', 'cost') or 'duration_s', its seconds.")
    random_samples: int = Field(4, ge=1, description="Successful evaluations drawn at random "
                                "around the seed's knob values before the model takes over.")
    radius: float = Field(0.3, gt=0, description="Search radius around a Pareto member, in "
                          "basic units (natural-log units for log and logit knobs).")
    max_cost: float | None = Field(None, gt=0, description="Suggest nothing predicted to "
                                   "cost more than this per evaluation.")
    min_cost_fraction: float = Field(0.2, ge=0, lt=1, description="Successes at or below "
                                     "this quantile of cost count as one front member (the "
                                     "reference's min_pareto_cost_fraction), so the search "
                                     "moves up the front instead of refining its cheapest "
                                     "corner; 0 keeps every member.")
    exploration_bias: float = Field(1.0, ge=0, description="Subtracted from each "
                                    "candidate's predicted output (in the model's normal "
                                    "units) before expected improvement: larger favours "
                                    "uncertain points (the reference's exploration_bias).")
    resample_every: int = Field(5, ge=0, description="After every N successful evaluations, "
                                "score the least-sampled member of the score-cost front again "
                                "on the iteration's minibatch instead of a new suggestion (the "
                                "reference's resample_frequency), so a lucky minibatch does "
                                "not keep a point on the front; only where train has instances "
                                "the member was not scored on, and with in_flight = 1. 0: "
                                "never.")
    mask_bounds: bool = Field(True, description="Round integer knobs and leave out points "
                              "outside the bounds, or already tried, before ranking (as the "
                              "reference does), instead of clamping them onto the nearest "
                              "edge, where many become one candidate tried again.")
    pending_siblings: bool = Field(True, description="With several proposals in flight "
                                   "([loop] in_flight), each suggestion counts those drafted "
                                   "before it in its flight as pending (Thompson-filled), "
                                   "so siblings spread out instead of crowding one point.")
    clamp: bool = Field(False, description="Floor the front's value at a cost drawn "
                        "log-uniformly along the front, as the reference does by default: "
                        "pushes the search toward dearer settings.")


class ProposersConfig(Section):
    use: list[ProposerName] = Field(
        default_factory=lambda: ["reflective", "demos", "merge"],
        description="The proposers in play. Mutations (reflective, demos; for programs "
        "code_edit, literal; for agent tasks self_modify, where the parent agent edits its "
        "own code; pdr: parallel drafts, distilled and refined; stop: reflection whose own "
        "meta-prompt evolves) are drawn by weight; merge runs on its own schedule.")
    weights: dict[str, float] = Field(default_factory=dict, description="Draw weight per "
                                      "mutation proposer; missing ones weigh 1.")
    reflective: ReflectiveConfig = Field(default_factory=ReflectiveConfig)
    demos: DemosConfig = Field(default_factory=DemosConfig)
    merge: MergeConfig = Field(default_factory=MergeConfig)
    pdr: PDRConfig = Field(default_factory=PDRConfig)
    stop: STOPConfig = Field(default_factory=STOPConfig)
    carbs: CarbsConfig = Field(default_factory=CarbsConfig)
    bandit: BanditConfig = Field(default_factory=BanditConfig)

    @field_validator("use")
    @classmethod
    def _not_empty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("name at least one proposer: reflective, demos or merge")
        return v

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        for k, w in v.items():
            PROPOSERS.check(k)
            if w < 0:
                raise ValueError(f"weight of '{k}' is negative ({w}); use 0 or more")
        return v


class KnobConfig(Section):
    """One model setting CARBS tunes on a prompt task (``[search_space.NAME]``)."""

    value: float = Field(..., description="The seed's value: the search centre.")
    space: Literal["linear", "log", "logit"] = Field(
        "linear", description="How the search moves it: linear steps, in log units (a "
        "positive scale), or logit units (a fraction in (0, 1)).")
    low: float | None = Field(None, description="Lowest value (optional).")
    high: float | None = Field(None, description="Highest value (optional).")
    int: bool = Field(False, description="Whole numbers only (e.g. max_tokens).")


def _search_space(space: dict[str, KnobConfig]) -> dict[str, KnobConfig]:
    """The table's knobs: known settings, each a valid declaration (ValueError names it)."""
    from galapagos.agents.programs import SETTING_NAMES
    from galapagos.errors import ConfigError
    from galapagos.orchestrator.carbs.space import SEARCH_SPACE, knobs_in

    for name in space:
        if name not in SETTING_NAMES:
            raise ValueError(f"'{name}' is not a model setting a prompt task applies; "
                             f"use one of {', '.join(SETTING_NAMES)}")
    try:
        knobs_in({SEARCH_SPACE: settings_text(space)})
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
    return space


def settings_text(space: dict[str, KnobConfig]) -> str:
    """The settings component a ``[search_space]`` seeds: one knob line per setting."""
    from galapagos.orchestrator.carbs.space import declaration

    return "\n".join(declaration(n, k.value, k.space, k.low, k.high, k.int)
                     for n, k in sorted(space.items())) + ("\n" if space else "")


SearchSpace = Annotated[dict[str, KnobConfig], AfterValidator(_search_space)]


class StageConfig(Section):
    instances: int = Field(..., gt=0, description="Val instances scored at this stage (a "
                           "fixed, seeded subset; each stage's includes the one before).")
    threshold: float = Field(..., description="The mean score a child needs on them to go "
                             "on to the next stage (or to the full val split).")
    relative: bool = Field(False, description="threshold is a fraction of the current best "
                           "candidate's mean on the same instances, not an absolute score.")


class RaceConfig(Section):
    enabled: bool = Field(True, description="Race a child that won its minibatch against "
                          "its parent on val, a chunk at a time, and stop it once it is "
                          "unlikely to beat the parent (see orchestrator/race.py); false: "
                          "every such child pays the full val split.")
    min_instances: int = Field(10, ge=1, description="Val instances scored before the "
                               "race may stop a child on the statistical bound.")
    chunk: int = Field(5, ge=1, description="Val instances scored between two looks.")
    z: float = Field(1.0, ge=0, description="Standard errors added to the mean paired "
                     "difference (child minus parent) before it must be below zero to "
                     "stop: larger stops fewer children, later.")


class LoopConfig(Section):
    minibatch_size: int = Field(4, gt=0, description="Train instances per iteration.")
    acceptance: Literal["strict", "non_decreasing", "paired", "all"] = Field(
        "strict", description="Accept a child when its minibatch sum beats the parent's "
        "('strict'), at least ties it ('non_decreasing'), when its mean per-instance "
        "difference from the parent stays above zero by z standard errors ('paired': one "
        "win of four is not enough), or always once it passed the "
        "checks before paying ('all': the Darwin Gödel Machine's 'keep every child that "
        "compiles'; the selector then decides whom to build on).")
    workers: int = Field(1, ge=1, description="Evaluations run at once, per batch.")
    in_flight: int = Field(1, ge=1, description="Iterations that select, propose and "
                           "evaluate at once (K); their outcomes are adopted in iteration "
                           "order, so a run is the same for a given seed and K.")
    stages: list[StageConfig] = Field(default_factory=list, description="Staged (cascade) "
                                      "validation: a child is scored on val stage by stage "
                                      "and stops at the first threshold it misses. It then "
                                      "never enters the pool or the frontier (which hold "
                                      "fully validated candidates only); its partial scores "
                                      "stay in the archive. Empty: full val at once.")
    race: RaceConfig = Field(default_factory=RaceConfig)
    minibatches: Literal["epoch", "random"] = Field(
        "epoch", description="'epoch': each epoch a new shuffle of train, cut into "
        "minibatches, so every train instance is seen before any repeats (the gepa "
        "library's default); 'random': an independent sample each iteration.")
    skip_perfect: bool = Field(True, description="With strict acceptance, skip an "
                               "iteration whose parent is already perfect on its minibatch "
                               "(no child could beat it): no LLM call, no child evaluation. "
                               "Needs the task's perfect_score.")
    final: Literal["mean", "lcb", "recheck"] = Field(
        "lcb", description="How the best candidate is chosen among those scored on val: "
        "the highest mean; the highest lower confidence bound (mean minus z standard "
        "errors of the per-instance scores), which a lucky candidate rarely wins on few "
        "instances; or 'recheck': the best few by val are scored again on more instances "
        "(see recheck) and the best mean over val and those wins.")
    z: float = Field(1.0, ge=0, description="Standard errors subtracted for 'lcb' and for "
                     "acceptance 'paired'.")
    recheck: int = Field(3, ge=1, description="For final = 'recheck': how many candidates "
                         "(best val mean first, ties by 'lcb') are scored on every train "
                         "instance not written into them (a demo's input is). Those calls "
                         "come out of max_metric_calls: the search stops this many train "
                         "splits' worth of calls early.")
    ensemble: int = Field(5, ge=0, description="Also report an ensemble of the top N "
                          "frontier members (majority vote of their outputs per instance) "
                          "beside the single best, on val and test; 0: none.")
    infra_retries: int = Field(2, ge=0, description="Retries of an evaluation that met an "
                               "infrastructure fault (Docker, a model's API); if it persists "
                               "the run stops as failed, and resume re-does it.")
    infra_backoff_s: float = Field(2.0, ge=0, description="First wait before such a retry; "
                                   "doubles each time.")


# What runs made before a key existed did; a resume keeps it, so it continues exactly.
BEFORE = {("loop", "minibatches"): "random", ("loop", "skip_perfect"): False,
          ("loop", "final"): "mean", ("proposers", "reflective", "style"): "instruct",
          ("loop", "race", "enabled"): False, ("proposers", "demos", "fill"): False,
          ("proposers", "demos", "by_effect"): False,
          ("proposers", "reflective", "recall"): 0,
          ("proposers", "carbs", "exploration_bias"): 0.0,
          ("proposers", "carbs", "pending_siblings"): False,
          ("proposers", "carbs", "resample_every"): 0,
          ("proposers", "carbs", "mask_bounds"): False}


def as_made(config: dict) -> dict:
    """A stored run configuration with the keys it predates set to what the run did."""
    for path, value in BEFORE.items():
        node = config
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node.setdefault(path[-1], value)
    return config
