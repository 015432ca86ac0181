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
