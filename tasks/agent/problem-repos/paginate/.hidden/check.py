def check(call):
    assert call("pages.page", [1, 2, 3, 4, 5], 1, 2) == [1, 2]
    assert call("pages.page", [1, 2, 3, 4, 5], 3, 2) == [5]
    assert call("pages.page", [1, 2, 3], 4, 2) == []
