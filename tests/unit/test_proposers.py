import json
import random

from galapagos.agents.llm import FakeLLM, LLMClient
from galapagos.archive import Candidate, Evaluation, Frontier
from galapagos.orchestrator.proposers import (DemoMutation, ProposalContext,
                                              ReflectiveMutation, SystemAwareMerge,
                                              extract_block)
from galapagos.tasks.protocol import Instance

TRAIN = [Instance(f"t{i}", "train", f"input {i}", f"out{i}") for i in range(6)]


def ctx(parent, **kw):
    mb = TRAIN[:2]
    results = {i.id: Evaluation(parent.id, i.id, "train", 0.0, "wrong", "bad answer")
               for i in mb}
    base = dict(run_id="r", iteration=1, parent=parent, minibatch=mb, results=results,
                train=TRAIN, rng=random.Random(0), frontier=Frontier(),
                get_candidate=lambda c: None, lineage=lambda c: [], demo_component="demos")
    base.update(kw)
    return ProposalContext(**base)


def test_extract_block_cases():
    assert extract_block("new text\n```") == ("new text", None)
    assert extract_block("```\nnew\n```\nthanks") == ("new", None)
    assert extract_block("```text\nnew\n```") == ("new", None)
    assert extract_block("") == ("", "empty answer")
    assert extract_block("   \n") == ("", "empty answer")
    assert extract_block("no fence here, cut off mid")[1] == "truncated answer (no closing fence)"
    assert extract_block("```\n```")[1] == "empty block"


def reflective(*answers):
    fake = FakeLLM("refl").enqueue(*answers)
    return ReflectiveMutation(LLMClient(fake.model), ["instruction"]), fake


def test_reflective_rewrites_one_component_and_shows_feedback():
    parent = Candidate({"instruction": "old", "demos": "[]"})
    prop, fake = reflective("better instruction\n```")
    out = prop.propose(ctx(parent))
    assert out.child.components == {"instruction": "better instruction", "demos": "[]"}
    assert out.child.parents == (parent.id,)
    prompt = fake.calls[0][0]["content"]
    assert "old" in prompt and "input 0" in prompt and "bad answer" in prompt


def test_reflective_rejects_empty_truncated_and_identical():
    parent = Candidate({"instruction": "old"})
    for answer, reason in [("", "empty answer"), ("half a thought", "truncated"),
                           ("old\n```", "identical")]:
        prop, _ = reflective(answer)
        out = prop.propose(ctx(parent))
        assert out.child is None and reason in out.rejected


def test_round_robin_over_components():
    p = ReflectiveMutation(LLMClient("fake/deterministic"))
    parent = Candidate({"b": "1", "a": "2"})
    assert [p.pick_component(parent, i) for i in range(3)] == ["a", "b", "a"]


def test_demo_mutation_fills_an_empty_set_from_train_only():
    parent = Candidate({"instruction": "x", "demos": "[]"})
    out = DemoMutation(4).propose(ctx(parent))
    demos = json.loads(out.child.components["demos"])
    inputs = [d["input"] for d in demos]
    assert len(demos) == 4 and set(inputs) <= {i.input for i in TRAIN}
    assert len(set(inputs)) == 4 and out.child.meta["op"] == "fill"
    by_input = {i.input: i.id for i in TRAIN}
    assert sorted(out.child.meta["added"]) == sorted(by_input[x] for x in inputs)


def test_demo_mutation_respects_max_and_changes_something():
    demos = [{"input": i.input, "output": i.expected} for i in TRAIN[:2]]
    parent = Candidate({"demos": json.dumps(demos)})
    for seed in range(10):
        out = DemoMutation(2).propose(ctx(parent, rng=random.Random(seed)))
        new = json.loads(out.child.components["demos"])
        assert len(new) <= 2 and out.child.id != parent.id


def test_demo_mutation_keeps_labels_balanced():
    train = [Instance(f"t{i}", "train", f"input {i}", "yes" if i % 3 else "no")
             for i in range(9)]
    demos = [{"input": i.input, "output": i.expected} for i in train[1:3]]  # yes, yes
    parent = Candidate({"demos": json.dumps(demos)})
    ops = set()
    for seed in range(20):
        out = DemoMutation(3).propose(ctx(parent, train=train, minibatch=[],
                                            rng=random.Random(seed)))
        new = json.loads(out.child.components["demos"])
        ops.add(out.child.meta["op"])
        if out.child.meta["op"] != "drop":
            assert sorted(d["output"] for d in new).count("no") == 1, new
    assert ops == {"add", "swap", "drop"}


def test_merge_takes_each_sides_change():
    anc = Candidate({"a": "0", "b": "0"})
    left = Candidate({"a": "L", "b": "0"}, (anc.id,))
    right = Candidate({"a": "0", "b": "R"}, (anc.id,))
    by_id = {c.id: c for c in (anc, left, right)}
    frontier = Frontier.from_scores({left.id: {"1": 1, "2": 0}, right.id: {"1": 0, "2": 1}})
    out = SystemAwareMerge().propose(ctx(anc, frontier=frontier, get_candidate=by_id.get,
                                         lineage=lambda c: [anc.id] if c != anc.id else []))
    assert out.child.components == {"a": "L", "b": "R"}
    assert set(out.child.parents) == {left.id, right.id}
    again = SystemAwareMerge().propose(ctx(anc, frontier=frontier, get_candidate=by_id.get,
                                           lineage=lambda c: [anc.id],
                                           tried={out.remember}))
    assert again.child is None


def test_selectors_are_seeded():
    from galapagos.orchestrator.config import SelectorConfig
    from galapagos.orchestrator.selectors import make_selector

    f = Frontier.from_scores({"a": {"1": 1, "2": 0}, "b": {"1": 0, "2": 1}, "c": {"1": 0, "2": 0}})
    pareto = make_selector(SelectorConfig(kind="pareto"))
    picks = [pareto.select(f, ["a", "b", "c"], random.Random(s)) for s in range(40)]
    assert set(picks) == {"a", "b"}
    assert picks == [pareto.select(f, ["a", "b", "c"], random.Random(s)) for s in range(40)]
    best = make_selector(SelectorConfig(kind="best"))
    assert best.select(f, ["a", "b", "c"], random.Random(0)) == "a"
    eps = make_selector(SelectorConfig(kind="epsilon", epsilon=1.0))
    assert {eps.select(f, ["a", "b", "c"], random.Random(s)) for s in range(30)} == {"a", "b", "c"}


def test_reflective_shows_an_instruction_model_the_texts_rejected_on_its_parent(tmp_path):
    """Two rewrites of the seed's answer lose their minibatch; the third request lists
    both with their scores (recall 4), only the newer one (recall 1), or none (recall 0)."""
    from galapagos.archive import Archive
    from galapagos.orchestrator.runner import start_run
    from tests.conftest import toy_config

    def third_prompt(recall, folder):
        fake = FakeLLM(f"recall{recall}").enqueue("zzz first\n```", "yyy second\n```",
                                                   "xxx third\n```")
        out = start_run(toy_config(
            tmp_path / folder, llm={"model": fake.model, "base": False},
            proposers={"use": ["reflective"], "reflective": {
                "components": ["answer"], "style": "instruct", "recall": recall}},
            selector={"kind": "best"}, budget={"max_iterations": 3}))
        reasons = [e["data"].get("reason") for e in
                   Archive(out.archive).events(out.run_id, "iteration")]
        assert reasons[:2] == ["not better on the minibatch"] * 2
        return fake.calls[2][0]["content"]

    shown = third_prompt(4, "a")
    assert "were already tried in its place" in shown
    assert shown.index("zzz first") < shown.index("yyy second")  # oldest first
    assert "Scored 0 where the current text scored 0:" in shown
    one = third_prompt(1, "b")
    assert "yyy second" in one and "zzz first" not in one
    none = third_prompt(0, "c")
    assert "already tried" not in none and "zzz first" not in none


def test_an_instruct_document_without_tries_reads_as_before():
    """A run made before recall (or with recall 0) renders the same document, so its
    cached reflection answers are found on resume."""
    from galapagos.orchestrator.proposers.meta_prompts import BUILT_IN, Tried

    parent = Candidate({"instruction": "old"})
    c = ctx(parent)
    plain = BUILT_IN["instruct"].render("instruction", "old", c.minibatch, c.results)
    assert "bad answer\n\nRead the inputs and the feedback carefully." in plain
    shown = BUILT_IN["instruct"].render("instruction", "old", c.minibatch, c.results,
                                        [Tried("tried text", "staged out")])
    assert "Rejected (staged out):\n```\ntried text\n```\n\nRead the inputs" in shown
