import re


def slugify(text):
    """Lower-case words joined by single dashes: "Hello, World!" -> "hello-world"."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower())
    return words
