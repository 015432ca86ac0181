def compare(a, b):
    """-1, 0 or 1 as version a is older than, equal to or newer than b ("1.10" > "1.9")."""
    if a == b:
        return 0
    return 1 if a > b else -1
