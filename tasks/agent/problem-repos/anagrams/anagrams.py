def group_anagrams(words):
    """Groups of words that are anagrams of each other (same letters, same counts).
    Each group keeps input order; groups come in the order of their first word."""
    groups = {}
    for word in words:
        groups.setdefault(frozenset(word), []).append(word)
    return list(groups.values())
