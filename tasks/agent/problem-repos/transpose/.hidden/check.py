def check(call):
    assert call("matrix.transpose", [[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]
    assert call("matrix.transpose", [[1], [2], [3]]) == [[1, 2, 3]]
    assert call("matrix.transpose", [[7]]) == [[7]]
