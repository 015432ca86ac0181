def check(call):
    assert call("timeparse.parse_duration", "1h30m") == 5400
    assert call("timeparse.parse_duration", "10m5s") == 605
    assert call("timeparse.parse_duration", "3h") == 10800
