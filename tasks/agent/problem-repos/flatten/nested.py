def flatten(items):
    """Every non-list value of a nested list, in order: [1, [2, [3]]] -> [1, 2, 3]."""
    out = []
    for item in items:
        if isinstance(item, list):
            out.extend(item)
        else:
            out.append(item)
    return out
