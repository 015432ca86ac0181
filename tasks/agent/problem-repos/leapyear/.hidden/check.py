def check(call):
    assert call("calendar_utils.is_leap", 1900) is False
    assert call("calendar_utils.is_leap", 2000) is True
    assert call("calendar_utils.is_leap", 2023) is False
    assert call("calendar_utils.is_leap", 2024) is True
