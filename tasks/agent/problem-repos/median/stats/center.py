def median(values):
    """The median of a non-empty list: for an even count, the mean of the middle two."""
    ordered = sorted(values)
    return ordered[len(ordered) // 2]
