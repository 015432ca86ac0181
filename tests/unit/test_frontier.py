from galapagos.archive import Frontier


def test_per_instance_fronts_and_means():
    f = Frontier.from_scores({"a": {"1": 1, "2": 0, "3": 0},
                              "b": {"1": 0, "2": 1, "3": 0},
                              "c": {"1": 1, "2": 1, "3": 0}})
    assert f.fronts["1"] == {"a", "c"} and f.fronts["2"] == {"b", "c"}
    assert f.fronts["3"] == {"a", "b", "c"}
    assert f.best_candidate() == "c"


def test_dominated_candidates_are_dropped_specialists_kept():
    f = Frontier.from_scores({"gen": {"1": 1, "2": 1, "3": 0},
                              "spec": {"1": 0, "2": 0, "3": 1},
                              "weak": {"1": 1, "2": 0, "3": 0}})
    freq = f.frequencies()
    assert "weak" not in freq          # every front it is in also holds 'gen'
    assert freq == {"gen": 2, "spec": 1}


def test_ties_keep_the_earliest_as_best():
    f = Frontier.from_scores({"first": {"1": 1}, "second": {"1": 1}})
    assert f.best_candidate() == "first"


class ReferenceFrontier:
    """The frontier as the previous main computed it, sets and loops: the array frontier
    must give the same fronts, bests and frequencies on any sequence of adds."""

    def __init__(self):
        self.best, self.fronts, self.means = {}, {}, {}

    def add(self, cid, per, mean=None):
        self.means[cid] = sum(per.values()) / max(len(per), 1) if mean is None else mean
        for iid, score in per.items():
            best = self.best.get(iid)
            if best is None or score > best + 1e-9:
                self.best[iid], self.fronts[iid] = score, {cid}
            elif score >= best - 1e-9:
                self.fronts[iid].add(cid)

    def frequencies(self):
        fronts = list(self.fronts.values())
        alive_in, fronts_of = [len(f) for f in fronts], {}
        for k, front in enumerate(fronts):
            for cid in front:
                fronts_of.setdefault(cid, []).append(k)
        alive = set(fronts_of)
        for cid in sorted(fronts_of, key=lambda c: (self.means.get(c, 0.0), c)):
            if all(alive_in[k] > 1 for k in fronts_of[cid]):
                alive.discard(cid)
                for k in fronts_of[cid]:
                    alive_in[k] -= 1
        return {cid: len(fronts_of[cid]) for cid in alive}


def test_the_array_frontier_matches_the_reference_on_random_adds():
    import random

    for seed in range(300):
        rng = random.Random(seed)
        ref, f = ReferenceFrontier(), Frontier()
        for _ in range(rng.randrange(1, 40)):
            per = {f"i{k}": rng.choice([0, 0.5, 1, 1 + 1e-10, rng.random()])
                   for k in range(rng.randrange(1, 15)) if rng.random() < 0.8}
            cid, mean = f"c{rng.randrange(60)}", rng.random() if rng.random() < 0.2 else None
            ref.add(cid, per, mean)
            f.add(cid, per, mean)
            if rng.random() < 0.3:
                assert f.frequencies() == ref.frequencies(), seed
        assert (f.fronts, f.best, f.means) == (ref.fronts, ref.best, ref.means), seed
        assert f.frequencies() == ref.frequencies(), seed
