def check(call):
    assert call("roman.to_roman", 4) == "IV"
    assert call("roman.to_roman", 9) == "IX"
    assert call("roman.to_roman", 1994) == "MCMXCIV"
    assert call("roman.to_roman", 3888) == "MMMDCCCLXXXVIII"
    assert call("roman.to_roman", 40) == "XL"
