def encode(text):
    """Run-length encoding: "aaab" -> "3a1b"."""
    if not text:
        return ""
    out, run, count = [], text[0], 0
    for ch in text:
        if ch == run:
            count += 1
        else:
            out.append(f"{count}{run}")
            run, count = ch, 1
    return "".join(out)
