def check(call):
    assert call("intervals.merge", [[8, 10], [1, 3], [2, 6]]) == [[1, 6], [8, 10]]
    assert call("intervals.merge", [[5, 6], [1, 2]]) == [[1, 2], [5, 6]]
    assert call("intervals.merge", [[1, 4], [0, 4]]) == [[0, 4]]
    assert call("intervals.merge", []) == []
