def shift(text, k):
    """Caesar cipher: shift letters by k places, keeping case; other characters stay."""
    out = []
    for ch in text:
        if ch.islower():
            out.append(chr((ord(ch) - 97 + k) % 26 + 97))
        else:
            out.append(chr(ord(ch) + k))
    return "".join(out)
