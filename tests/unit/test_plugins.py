"""Strategies from outside the package (issue 21.2): a proposer, a selector, an executor
and a frontier kind installed as a distribution with entry points are found by name,
validated by the config like the built-ins, and drive a run; a typo lists every known name,
plug-ins included."""

import sqlite3
import sys

import pytest

from galapagos.archive import Archive, Candidate
from galapagos.errors import ConfigError
from galapagos.orchestrator.runner import start_run
from galapagos.orchestrator.strategies import EXECUTORS, FRONTIERS, PROPOSERS, SELECTORS
from tests.conftest import ROOT, toy_config

ENTRY_POINTS = """[galapagos.proposers]
shout = shout_plugin:SHOUT

[galapagos.selectors]
first = shout_plugin:first

[galapagos.executors]
counting = shout_plugin:COUNTING

[galapagos.frontiers]
one_front = shout_plugin:ONE_FRONT
"""


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """The plug-in as pip would leave it: its module and a dist-info with entry points."""
    site = tmp_path / "site"
    info = site / "shout_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    (site / "shout_plugin.py").write_text(
        (ROOT / "tests" / "fixtures" / "plugins" / "shout_plugin.py").read_text())
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "shout_plugin", raising=False)
    for registry in (PROPOSERS, SELECTORS, EXECUTORS, FRONTIERS):
        monkeypatch.setattr(registry, "_plugins", {})
    return site


def test_a_plugin_proposer_and_selector_run(installed, tmp_path):
    assert "shout" in PROPOSERS.names() and "first" in SELECTORS.names()
    out = start_run(toy_config(tmp_path, proposers={"use": ["shout"]},
                               selector={"kind": "first"}, budget={"max_iterations": 3}))
    records = Archive(out.archive).iterations(out.run_id)
    assert [r.proposer for r in records] == ["shout"] * 3
    seed = Archive(out.archive).get_run(out.run_id)["seed_candidate"]
    assert {r.parent for r in records} == {seed}  # 'first' always picks the pool's first


def test_a_plugin_executor_and_frontier_kind_run(installed, tmp_path):
    import shout_plugin

    assert "counting" in EXECUTORS.names() and "one_front" in FRONTIERS.names()
    out = start_run(toy_config(tmp_path, executor={"kind": "counting"},
                               selector={"frontier": "one_front"},
                               budget={"max_iterations": 3}))
    paid = sqlite3.connect(out.archive).execute("select count(*) from evaluations").fetchone()
    assert shout_plugin.Counting.calls == paid[0] > 0  # every evaluation went through it
    assert len(Archive(out.archive).iterations(out.run_id)) == 3
    assert shout_plugin.one_front.calls > 0  # the frontier was built of its fronts
    with pytest.raises(ConfigError, match=r"unknown executor 'countin'.*counting.*local"):
        toy_config(tmp_path, executor={"kind": "countin"})
    with pytest.raises(ConfigError, match=r"unknown frontier kind 'one'.*instance.*one_front"):
        toy_config(tmp_path, selector={"frontier": "one"})


def test_a_typo_lists_the_known_names_plugins_included(installed, tmp_path):
    with pytest.raises(ConfigError, match=r"unknown proposer 'shuot'.*reflective.*shout"):
        toy_config(tmp_path, proposers={"use": ["shuot"]})
    with pytest.raises(ConfigError, match=r"unknown selector 'frist'.*first.*pareto"):
        toy_config(tmp_path, selector={"kind": "frist"})


def test_without_the_plugin_its_name_is_unknown(tmp_path):
    with pytest.raises(ConfigError, match="unknown proposer 'shout'"):
        toy_config(tmp_path, proposers={"use": ["shout"]})


def test_a_broken_plugin_is_a_config_error_naming_it(installed, tmp_path):
    (installed / "shout_plugin.py").write_text("raise RuntimeError('half installed')\n")
    with pytest.raises(ConfigError, match=r"proposer plug-in 'shout'.*half installed"):
        start_run(toy_config(tmp_path, proposers={"use": ["shout"]},
                             budget={"max_iterations": 1}))


@pytest.mark.parametrize("in_flight", [1, 2])
def test_a_rotating_proposer_rewrites_the_components_in_turn(tmp_path, in_flight):
    """The registry's ``rotates`` trait moves the run's component cursor (one iteration or
    a flight of several), so reflective rewrites each component in turn."""
    out = start_run(toy_config(tmp_path, proposers={"use": ["reflective"]},
                               loop={"in_flight": in_flight}, budget={"max_iterations": 4}))
    a = Archive(out.archive)
    rewrote = [a.get_candidate(r.child).meta["component"] if r.child else r.note.split()[1]
               for r in a.iterations(out.run_id)]
    names = sorted(a.get_candidate(a.get_run(out.run_id)["seed_candidate"]).components)
    assert len(names) >= 2 and len(rewrote) == 4
    assert rewrote[0] == names[0] and set(rewrote) == set(names)  # without the cursor: one


class Pair:
    name = "pair"

    def propose(self, ctx):
        from galapagos.orchestrator.proposers import Proposal
        return Proposal(self.name, rejected="a scheduled plug-in that declines")


def test_a_scheduled_proposer_declares_its_own_period(tmp_path, monkeypatch):
    """A merge-role strategy's schedule is its own (``every``), not merge's config."""
    from galapagos.orchestrator.registry import Strategy

    pair = Strategy("pair", build=lambda b: Pair(), role="merge", every=lambda cfg: 3)
    monkeypatch.setattr(PROPOSERS, "built_in", {**PROPOSERS.built_in, "pair": pair})
    out = start_run(toy_config(tmp_path, proposers={"use": ["reflective", "demos", "pair"],
                                                    "merge": {"every": 2}},
                               selector={"frontier": "hybrid"},  # shorter ones stay on it
                               budget={"max_iterations": 12}))
    records = Archive(out.archive).iterations(out.run_id)
    paired = [r.iteration for r in records if r.proposer == "pair"]
    assert paired and all(i % 3 == 0 for i in paired), paired


class Once:
    """Proposes once per parent, remembering the parents it tried in the run's state."""

    name = "once"

    def propose(self, ctx):
        from galapagos.orchestrator.proposers import Proposal
        key = f"once:{ctx.parent.id}"
        if key in ctx.tried:
            return Proposal(self.name, rejected="this parent was tried")
        child = Candidate({**ctx.parent.components, "answer": f"try {ctx.iteration}"},
                          (ctx.parent.id,), self.name)
        return Proposal(self.name, child=child, remember=key)


def test_a_plugin_proposer_keeps_its_own_state_in_the_run(tmp_path, monkeypatch):
    from galapagos.orchestrator.registry import Strategy

    monkeypatch.setattr(PROPOSERS, "built_in", {
        **PROPOSERS.built_in, "once": Strategy("once", build=lambda b: Once())})
    out = start_run(toy_config(tmp_path, proposers={"use": ["once"]},
                               selector={"kind": "best"}, budget={"max_iterations": 4}))
    records = Archive(out.archive).iterations(out.run_id)
    assert [r.reason for r in records[1:]] == ["this parent was tried"] * 3
    assert records[0].child is not None
