def check(call):
    assert call("chunks.chunk", [1, 2, 3], 2) == [[1, 2], [3]]
    assert call("chunks.chunk", [1, 2, 3, 4, 5], 3) == [[1, 2, 3], [4, 5]]
    assert call("chunks.chunk", [], 4) == []
    assert call("chunks.chunk", [1], 5) == [[1]]
