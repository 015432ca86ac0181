def check(call):
    assert call("stats.center.median", [4, 1, 3, 2]) == 2.5
    assert call("stats.center.median", [7]) == 7
    assert call("stats.center.median", [5, 1, 3]) == 3
    assert call("stats.center.median", [10, 20]) == 15
