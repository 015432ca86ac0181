def check(call):
    assert call("cipher.shift", "Zz !", 1) == "Aa !"
    assert call("cipher.shift", "Hello, World", 3) == "Khoor, Zruog"
    assert call("cipher.shift", "abc", -1) == "zab"
