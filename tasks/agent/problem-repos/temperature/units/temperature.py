def to_celsius(fahrenheit):
    """Degrees Fahrenheit to Celsius, rounded to 2 places."""
    return round((fahrenheit - 32) * 9 / 5, 2)


def to_fahrenheit(celsius):
    return round(celsius * 9 / 5 + 32, 2)
