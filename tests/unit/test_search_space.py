"""CARBS on a prompt task's model settings ([search_space]): bad declarations are config
errors naming the knob, before anything runs; the seed carries the settings, the task
applies them to its model calls, CARBS moves them and the text proposers leave them alone;
`show` reads the front. The model is a scripted fake at the boundary whose accuracy grows
with the temperature it is called at."""

import hashlib
import json

import pytest

from galapagos.agents.llm import FakeLLM
from galapagos.agents.programs import SETTINGS, model_settings
from galapagos.archive import Archive
from galapagos.errors import ConfigError
from galapagos.orchestrator.carbs.report import front_view
from galapagos.orchestrator.runner import start_run
from tests.conftest import toy_config

def qa_data(tmp_path):
    rows = [{"id": f"{split}-{k}", "split": split, "input": f"Which colour is {split}{k}?",
             "answer": f"{split}{k}"}
            for split, n in (("train", 20), ("val", 20), ("test", 4)) for k in range(n)]
    path = tmp_path / "colours.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def warm_model(name):
    """Answers a question right when a hash of it falls below temperature / 2: accuracy
    grows with the temperature (a setting CARBS can find; the prompt cannot help)."""
    fake = FakeLLM(name)

    def rule(messages):
        question = messages[-1]["content"].rsplit("Question:", 1)[-1]
        word = question.split("is ", 1)[-1].split("?")[0]
        share = int(hashlib.sha256(question.encode()).hexdigest()[:4], 16) / 0xFFFF
        return word if share < fake.params[-1].get("temperature", 0.0) / 2 else "no idea"
    fake.rule = rule
    return fake


def config(tmp_path, model, space, **sections):
    """CARBS' cost is the task's token count: seconds would differ from run to run."""
    proposers = sections.pop("proposers", {})
    carbs = {"cost": "tokens", **proposers.get("carbs", {})}
    return toy_config(tmp_path, task={"name": "qa", "options": {
        "data": str(qa_data(tmp_path)), "model": model}}, search_space=space,
        proposers={**proposers, "carbs": carbs}, **sections)


SPACE = {"temperature": {"value": 0.4, "space": "linear", "low": 0.0, "high": 2.0},
         "max_tokens": {"value": 8, "space": "log", "low": 2, "high": 64, "int": True}}


def test_carbs_tunes_the_model_settings_of_a_prompt_task(tmp_path):
    fake = warm_model("warm")
    out = start_run(config(tmp_path, fake.model, SPACE, proposers={"use": ["carbs"]},
                           loop={"acceptance": "non_decreasing", "minibatch_size": 5},
                           budget={"max_iterations": 30}))
    a = Archive(out.archive)
    seed, best = a.get_candidate(out.summary["seed"]), a.get_candidate(out.summary["best"])
    assert model_settings(seed.components) == {"temperature": 0.4, "max_tokens": 8}
    assert "temperature = 0.4  # knob: linear 0..2" in seed.components[SETTINGS]
    assert model_settings(best.components)["temperature"] > 0.55  # up from 0.4
    assert out.summary["val"][best.id] >= out.summary["val"][seed.id] + 0.2
    assert best.components["instruction"] == seed.components["instruction"]
    used = {(p.get("temperature"), p.get("max_tokens")) for p in fake.params}
    assert (0.4, 8) in used and len(used) > 5  # each candidate's settings reach the model
    shown = front_view(a, a.get_run(out.run_id))
    assert shown is not None and "temperature" in render(shown)


def test_the_text_proposers_leave_the_settings_to_carbs(tmp_path):
    """Round robin over the components skips the settings (a reflective rewrite of them
    would be prose where CARBS needs knob lines); the settings still apply, fixed."""
    fake = warm_model("warm2")
    count = iter(range(1000))
    writer = FakeLLM("writer", rule=lambda m: f"Name the colour ({next(count)}).\n```")
    out = start_run(config(tmp_path, fake.model, SPACE,
                           llm={"model": writer.model, "base": False},
                           proposers={"use": ["reflective"]}, budget={"max_iterations": 6}))
    a = Archive(out.archive)
    seed = a.get_candidate(out.summary["seed"])
    kids = [a.get_candidate(r["candidate_id"]) for r in a.run_candidates(out.run_id)
            if r["proposer"] == "reflective"]
    assert len(kids) >= 3 and {k.meta["component"] for k in kids} == {"demos", "instruction"}
    assert all(k.components[SETTINGS] == seed.components[SETTINGS] for k in kids)
    assert {(p.get("temperature"), p.get("max_tokens")) for p in fake.params} == {(0.4, 8)}


@pytest.mark.parametrize("space, words", [
    ({"temprature": {"value": 0.3}}, ["'temprature' is not a model setting", "temperature"]),
    ({"top_p": {"value": 1.2, "space": "logit"}}, ["Knob 'top_p'", "(0, 1)"]),
    ({"temperature": {"value": 3.0, "high": 2.0}}, ["Knob 'temperature'", "outside"]),
    ({"max_tokens": {"value": 8, "space": "logit", "int": True}}, ["Knob 'max_tokens'",
                                                                     "integer"]),
    ({"temperature": {"value": 0.0, "space": "log"}}, ["Knob 'temperature'", "above 0"]),
    ({"temperature": {"value": 0.5, "low": 1.0, "high": 0.5}}, ["Knob 'temperature'",
                                                               "not below"]),
])
def test_a_bad_search_space_is_a_config_error_naming_the_knob(tmp_path, space, words):
    with pytest.raises(ConfigError) as err:
        start_run(config(tmp_path, "fake/deterministic", space))
    assert all(w in str(err.value) for w in words)
    assert not (tmp_path / "archive.db").exists()  # nothing ran, nothing was written


def test_a_search_space_on_a_task_without_settings_is_refused_before_the_run(tmp_path):
    with pytest.raises(ConfigError, match="applies no model settings"):
        start_run(toy_config(tmp_path, search_space={"temperature": {"value": 0.5}},
                             proposers={"use": ["carbs"]}))
    assert Archive(tmp_path / "archive.db").list_runs() == []


def render(renderable) -> str:
    from rich.console import Console

    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def test_carbs_scores_a_front_member_again_on_instances_it_has_not_seen(tmp_path):
    """The reference's resampling: after every N successes, the least-sampled member of
    the score-cost front is scored on the iteration's minibatch instead of a new
    suggestion; no candidate is added, and its train mean now covers more instances.
    Where a member has been scored on every train instance (the scaling task's four),
    there is nothing to resample."""
    fake = warm_model("warm3")

    def run(folder, every, **sections):
        (tmp_path / folder).mkdir()
        return start_run(config(tmp_path / folder, fake.model, SPACE,
                                proposers={"use": ["carbs"], "carbs": {"resample_every": every}},
                                loop={"acceptance": "non_decreasing", "minibatch_size": 5},
                                budget={"max_iterations": 20}, **sections))
    out = run("on", 3)
    a = Archive(out.archive)
    events = [e["data"] for e in a.events(out.run_id, "iteration")]
    again = [e for e in events if e["outcome"] == "resampled"]
    assert len(again) >= 3 and all("child" not in e for e in again)
    rows = a.run_candidates(out.run_id)
    assert len({r["candidate_id"] for r in rows}) == 1 + len(events) - len(again)
    resampled = {e["note"].split()[1] for e in again}
    assert max(len(a.train_instances(out.run_id, c)) for c in resampled) > 5
    off = run("off", 0)
    assert all(e["data"]["outcome"] != "resampled"
               for e in Archive(off.archive).events(off.run_id, "iteration"))


def test_no_resampling_where_train_is_all_seen(tmp_path):
    from tests.unit.test_carbs import carbs_config

    cfg = carbs_config(tmp_path, max_iterations=15)
    cfg.proposers.carbs.resample_every = 1
    out = start_run(cfg)
    assert all(e["data"]["outcome"] != "resampled"
               for e in Archive(out.archive).events(out.run_id, "iteration"))


def test_carbs_does_not_pile_suggestions_onto_a_bound(tmp_path):
    """When the score rises toward a bound (here accuracy grows with the temperature, and
    the seed starts near its top), clamping points outside the bounds onto the edge made
    one candidate again and again (each refused as already tried; found on the embedded
    model); the reference's masking leaves them out, and integer knobs are rounded before
    a point is taken."""
    warm_model("edge")
    space = {"temperature": {"value": 1.4, "low": 0.0, "high": 1.5},
             "max_tokens": {"value": 3, "space": "log", "low": 1, "high": 16, "int": True}}

    def repeats(folder, mask):
        (tmp_path / folder).mkdir()
        out = start_run(config(tmp_path / folder, "fake/edge", space,
                               proposers={"use": ["carbs"], "carbs": {"mask_bounds": mask}},
                               loop={"acceptance": "non_decreasing"},
                               budget={"max_iterations": 30, "max_idle_iterations": 50}))
        a = Archive(out.archive)
        values = [model_settings(a.get_candidate(r["candidate_id"]).components)
                  for r in a.run_candidates(out.run_id)]
        assert all(0.0 <= v["temperature"] <= 1.5 and 1 <= v["max_tokens"] <= 16
                   for v in values)
        return sum(e["data"].get("reason") == "the same program or prompt was already tried "
                   "in this run" for e in a.events(out.run_id, "iteration"))
    assert repeats("mask", True) == 0
    assert repeats("clamp", False) >= 3  # what mask_bounds = false (runs made before) did
