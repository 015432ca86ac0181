def check(call):
    assert call("nested.flatten", [1, [2, [3, [4]]]]) == [1, 2, 3, 4]
    assert call("nested.flatten", [[[]], "a"]) == ["a"]
    assert call("nested.flatten", []) == []
