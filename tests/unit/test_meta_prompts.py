"""Reflection for base models (completion-style meta-prompts), PDR and STOP, with a
scripted LLM at the boundary."""

import random

from galapagos.agents.llm import FakeLLM, LLMClient
from galapagos.archive import Archive, Candidate
from galapagos.orchestrator.config import load_config
from galapagos.orchestrator.proposers import PDR, ReflectiveMutation, SelfImproving
from galapagos.orchestrator.proposers.build import reflection_style
from galapagos.orchestrator.proposers.meta_prompts import BUILT_IN, INDUCE, REWRITE
from galapagos.orchestrator.runner import start_run
from tests.conftest import TOY, toy_config
from tests.unit.test_proposers import ctx


def completion(*answers, name="base"):
    fake = FakeLLM(name).enqueue(*answers)
    return ReflectiveMutation(LLMClient(fake.model), style="completion"), fake


def test_the_embedded_model_gets_documents_to_continue():
    def style(**llm):
        return reflection_style(load_config(None, base={"task": {"name": TOY}, "llm": llm}))
    assert style() == "completion"  # the default model is the embedded base model
    assert style(model="openai/gpt-4.1-mini") == "instruct"
    assert style(model="openai/my-base", base=True) == "completion"


def test_induction_shows_expected_outputs_and_reads_one_line():
    parent = Candidate({"instruction": "old", "demos": "[]"})
    prop, fake = completion(" answer with the output word.\nThe friend then")
    out = prop.propose(ctx(parent, rng=random.Random(1)))  # draws induce with this seed
    prompt = fake.calls[0][0]["content"]
    meta = out.child.meta["meta_prompt"]
    assert meta in ("induce", "rewrite")
    if meta == "induce":
        assert prompt.startswith(INDUCE.split("{pairs}")[0]) and "Output: out0" in prompt
        assert prompt.endswith("The instruction was to")
    else:
        assert prompt.startswith(REWRITE.split("{text}")[0]) and '(expected "out0")' in prompt
        assert prompt.endswith("Instruction: old\nMistakes: " + prompt.split("Mistakes: ")[-1])
    assert out.child.components["instruction"] == "Answer with the output word."


def test_both_documents_are_drawn_and_the_demos_are_left_alone():
    parent = Candidate({"instruction": "old", "demos": "[]"})
    seen = set()
    for seed in range(12):
        prop, fake = completion(f" rule {seed}")
        prop.components = []  # every component allowed, as by default
        out = prop.propose(ctx(parent, rng=random.Random(seed), component_cursor=seed))
        seen.add(out.child.meta["meta_prompt"])
        assert out.child.meta["component"] == "instruction"
    assert seen == {"induce", "rewrite"}


def test_a_copied_example_or_an_empty_line_is_rejected():
    parent = Candidate({"instruction": "old"})
    copied = " Say whether the number is a prime number. Answer with one word: yes or no."
    for answer, reason in [("\n\n", "empty answer"), (copied, "copied")]:
        prop, _ = completion(answer)
        prop.meta_prompts = lambda c: [BUILT_IN["rewrite"]]
        out = prop.propose(ctx(parent))
        assert out.child is None and reason in out.rejected


def test_induction_needs_text_answers():
    from galapagos.tasks.protocol import Instance
    prop, _ = completion()
    odd = [Instance("x", "train", "in", {"not": "text"})]
    assert [m.key for m in prop.meta_prompts(ctx(Candidate({"i": "x"}), minibatch=odd,
                                                 results={}))] == ["rewrite"]


def test_pdr_drafts_distils_and_refines_one_child():
    parent = Candidate({"instruction": "old", "demos": "[]"})
    fake = FakeLLM("pdr", rule=lambda m: (
        " the merged rule" if "The editor combined" in m[-1]["content"]
        else " the refined rule" if "Instruction: the merged rule" in m[-1]["content"]
        or "Instruction: The merged rule" in m[-1]["content"]
        else f" draft {len(fake.calls)}"))
    refl = ReflectiveMutation(LLMClient(fake.model), ["instruction"], "completion")
    refl.meta_prompts = lambda c: [BUILT_IN["induce"], BUILT_IN["rewrite"]]
    out = PDR(refl, drafts=3).propose(ctx(parent))
    prompts = [m[-1]["content"] for m in fake.calls]
    assert len(prompts) == 5  # 3 drafts, the distillation, the refinement
    distil = next(p for p in prompts if "The editor combined" in p)
    assert distil.count("\n1. ") + distil.count("\n2. ") + distil.count("\n3. ") == 3
    assert out.proposer == "pdr" and out.child.proposer == "pdr"
    assert out.child.components["instruction"] == "The refined rule"
    assert out.child.meta["drafts"] == 3 and "refined" in out.note
    drafts = [p for p in prompts if "The editor" not in p][:3]
    assert len(set(drafts)) == 3  # other documents or another order: three views


def test_pdr_is_a_configurable_proposer_whose_calls_are_logged(tmp_path):
    fake = FakeLLM("pdrrun", rule=lambda m: "alpha beta\n```")
    out = start_run(toy_config(tmp_path, llm={"model": fake.model},
                               proposers={"use": ["pdr"], "pdr": {"drafts": 2}},
                               budget={"max_iterations": 2}))
    a = Archive(out.archive)
    reflect = [c for c in a.llm_calls(out.run_id) if c["purpose"] == "reflect"]
    assert len(reflect) == 2 * 3  # identical drafts: no distillation; one refinement
    assert {e["data"]["proposer"] for e in a.events(out.run_id, "iteration")} == {"pdr"}


def test_stop_records_meta_candidates_and_which_made_each_child(tmp_path):
    words = iter(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"] * 4)
    fake = FakeLLM("stoprun", rule=lambda m: (
        "Improve it. {text}\n{examples}\nBetter:\n</template>" if "<template>" in m[-1][
            "content"] else f"{next(words)}\n```"))
    out = start_run(toy_config(tmp_path, llm={"model": fake.model},
                               proposers={"use": ["stop"], "stop": {"every": 2}},
                               budget={"max_iterations": 7}))
    a = Archive(out.archive)
    metas = a.meta_prompts(out.run_id)
    assert metas[0].parent is None and metas[0].template == BUILT_IN["instruct"].template
    evolved = [m for m in metas if m.parent]
    assert evolved and evolved[0].parent == metas[0].id and "{examples}" in evolved[0].template
    made = {a.get_candidate(r["candidate_id"]).meta.get("meta_prompt")
            for r in a.run_candidates(out.run_id) if r["proposer"] == "stop"}
    assert made <= {m.id for m in metas} and len(made) >= 2  # the evolved one was used
    stop = SelfImproving(ReflectiveMutation(LLMClient(fake.model)), a)
    gains = stop._gains(stop._history(ctx(Candidate({"answer": "x"}), run_id=out.run_id,
                                          iteration=99)))
    assert sum(len(g) for g in gains.values()) == 7


def test_stop_learns_a_notebook_from_the_run_for_a_base_model(tmp_path):
    words = iter(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"] * 4)
    fake = FakeLLM("stopbase", rule=lambda m: f" {next(words)}")
    out = start_run(toy_config(tmp_path, llm={"model": fake.model, "base": True},
                               proposers={"use": ["stop"], "stop": {"every": 3},
                                          "reflective": {"components": ["answer"]}},
                               budget={"max_iterations": 7}))
    a = Archive(out.archive)
    grown = [m for m in a.meta_prompts(out.run_id) if m.parent]
    assert grown, "the notebook never learned"
    assert grown[0].template.count("Improved instruction:") == \
        REWRITE.count("Improved instruction:") + 1
