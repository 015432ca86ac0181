"""DSPy's own optimisers on a ``qa`` task, for ``vs_peers.py``.

DSPy reaches the embedded model through litellm (Galápagos registers ``local/...``). The
program is one ``dspy.Predict("question -> answer")`` whose instruction is the seed's, and
its prompt is the qa task's own few-shot format (an adapter below), so DSPy, Galápagos and
the gepa library are scored on the same prompt shape with the same metric; DSPy chooses
demonstrations and (MIPROv2) instructions. Other signatures DSPy runs for itself (MIPROv2's
instruction proposer) keep DSPy's ChatAdapter.

DSPy has no metric-call budget: each optimiser is sized to the budget (candidate programs
x val) and the metric calls it really made are counted and reported.
"""

from __future__ import annotations

from typing import Any

import galapagos  # noqa: F401 - registers the local provider with litellm first

import dspy  # noqa: I001
from dspy.adapters import ChatAdapter

from galapagos.agents.programs import DEMOS, INSTRUCTION, dump_demos, render_fewshot
from galapagos.tasks.qa import SEED_INSTRUCTION, QATask, first_line, matches


class FewShotAdapter(ChatAdapter):
    """The qa task's prompt ("instruction, Question/Answer demos, Question: ...\\nAnswer:")
    for the question -> answer signature; DSPy's chat format for every other one."""

    def _ours(self, signature: Any) -> bool:
        return list(signature.input_fields) == ["question"] and \
            list(signature.output_fields) == ["answer"]

    def format(self, signature: Any, demos: list[dict[str, Any]], inputs: dict[str, Any]
               ) -> list[dict[str, Any]]:
        if not self._ours(signature):
            return super().format(signature, demos, inputs)
        shown = [{"input": d["question"], "output": d["answer"]} for d in demos
                 if d.get("question") and d.get("answer")]
        prompt = render_fewshot({INSTRUCTION: signature.instructions, DEMOS: dump_demos(shown)},
                                inputs["question"], input_label="Question",
                                output_label="Answer")
        return [{"role": "user", "content": prompt}]

    def parse(self, signature: Any, completion: str) -> dict[str, Any]:
        if not self._ours(signature):
            return super().parse(signature, completion)
        return {"answer": first_line(completion)}


class Counted:
    """The qa metric, counting its calls (DSPy's optimisers report none)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, example: Any, pred: Any, trace: Any = None) -> float:
        self.calls += 1
        return float(matches(str(getattr(pred, "answer", "") or ""), example.accepted))


def examples(task: QATask, split: str) -> list[Any]:
    return [dspy.Example(question=i.input, answer=i.expected,
                         accepted=tuple(task.accepted[i.id])).with_inputs("question")
            for i in task.instances() if i.split == split]


def student() -> Any:
    return dspy.Predict(dspy.Signature("question -> answer", SEED_INSTRUCTION))


def as_candidate(program: Any) -> dict[str, str]:
    """The compiled program as a qa candidate: its instruction and demonstrations."""
    pred = program.predictors()[0]
    demos = [{"input": d["question"], "output": d["answer"]} for d in pred.demos
             if d.get("question") and d.get("answer")]
    return {INSTRUCTION: pred.signature.instructions, DEMOS: dump_demos(demos)}


def compile_with(kind: str, task: QATask, model: str, budget: int, seed: int) -> dict[str, Any]:
    metric = Counted()
    train, val = examples(task, "train"), examples(task, "val")
    lm = dspy.LM(model, max_tokens=task.max_tokens, temperature=0.0, cache=False, stop=["\n"])
    prompt_lm = dspy.LM(model, max_tokens=200, temperature=0.7, cache=False)
    with dspy.context(lm=lm, adapter=FewShotAdapter()):
        program = _optimiser(kind, metric, prompt_lm, len(val), budget, seed).compile(
            student(), trainset=train, valset=val, **_compile_args(kind, len(val), budget, seed))
    return {"candidate": as_candidate(program), "metric_calls": metric.calls}


def _optimiser(kind: str, metric: Counted, prompt_lm: Any, n_val: int, budget: int,
               seed: int) -> Any:
    from dspy.teleprompt import BootstrapFewShotWithRandomSearch, MIPROv2

    if kind == "bootstrap_rs":  # its three baselines plus N programs, each scored on val
        return BootstrapFewShotWithRandomSearch(
            metric, max_bootstrapped_demos=4, max_labeled_demos=8, num_threads=1,
            num_candidate_programs=max(budget // n_val - 4, 1))
    return MIPROv2(metric, prompt_model=prompt_lm, max_bootstrapped_demos=4,
                   max_labeled_demos=8, auto=None, num_candidates=4, num_threads=1, seed=seed,
                   verbose=False)


def _compile_args(kind: str, n_val: int, budget: int, seed: int) -> dict[str, Any]:
    if kind == "bootstrap_rs":
        return {}
    return {"num_trials": max((budget - 2 * n_val) // 10, 2), "minibatch_size": 10,
            "minibatch_full_eval_steps": 5, "requires_permission_to_run": False}
