def check(call):
    assert call("rle.encode", "aaab") == "3a1b"
    assert call("rle.encode", "a") == "1a"
    assert call("rle.encode", "abba") == "1a2b1a"
