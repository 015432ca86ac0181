def check(call):
    assert call("search.find", [1, 3, 5], 5) == 2
    assert call("search.find", [1, 3, 5], 1) == 0
    assert call("search.find", [2], 2) == 0
    assert call("search.find", [], 2) == -1
    assert call("search.find", [1, 3, 5, 7], 4) == -1
