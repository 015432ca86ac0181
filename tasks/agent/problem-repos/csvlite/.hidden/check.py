def check(call):
    assert call("csvlite.parse.parse_line", 'x,"y, z",w') == ["x", "y, z", "w"]
    assert call("csvlite.parse.parse_line", '"a,b","c"') == ["a,b", "c"]
    assert call("csvlite.parse.parse_line", "1,2") == ["1", "2"]
    assert call("csvlite.parse.parse_line", "") == [""]
