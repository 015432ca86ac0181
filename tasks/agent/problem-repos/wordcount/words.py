from collections import Counter


def top_words(text, n):
    """The n most common words of text, most common first, as (word, count) pairs.
    Words are compared without regard to case; ties go to the word seen first."""
    counts = Counter(text.split())
    return counts.most_common(n)
