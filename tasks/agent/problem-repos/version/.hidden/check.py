def check(call):
    assert call("semver.compare", "1.10", "1.9") == 1
    assert call("semver.compare", "2.0.1", "2.0.10") == -1
    assert call("semver.compare", "3.4", "3.4") == 0
    assert call("semver.compare", "0.9", "1.0") == -1
