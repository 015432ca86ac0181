def check(call):
    assert call("units.temperature.to_celsius", 212) == 100
    assert call("units.temperature.to_celsius", 32) == 0
    assert call("units.temperature.to_celsius", 0) == -17.78
