def check(call):
    assert call("anagrams.group_anagrams", ["aab", "abb", "bab"]) == [["aab"], ["abb", "bab"]]
    assert call("anagrams.group_anagrams", ["listen", "silent", "enlist", "x"]) == [["listen", "silent", "enlist"], ["x"]]
    assert call("anagrams.group_anagrams", []) == []
