def check(call):
    assert call("words.top_words", "The cat saw the dog", 1) == [("the", 2)]
    assert call("words.top_words", "B b A a a", 2) == [("a", 3), ("b", 2)]
    assert call("words.top_words", "", 3) == []
