"""The seed agent's prompts. Written as documents to continue, so a base model (one that
only continues text) answers in the edit format as well as an instruction model does."""

FIX = """# Bug fix

## Issue

{issue}

## Repository

{files}
{feedback}
## The fix

One or more edit blocks. Each block names a file, then shows lines copied exactly from it
and the lines that replace them:

utils.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE

{first}
"""

RETRY = """
## An earlier attempt

Files changed: {changed}
{problems}
Visible test output:
```
{output}
```
"""


def fix(issue, files, feedback=""):
    """The prompt, and the line it ends with (the answer continues it: put it back)."""
    shown = "\n\n".join(f"{path}\n```python\n{text.rstrip()}\n```"
                        for path, text in sorted(files.items()) if path != "ISSUE.md")
    first = next((p for p in sorted(files) if p.endswith(".py") and not p.startswith("tests")),
                 "")
    return FIX.format(issue=issue.strip(), files=shown, feedback=feedback, first=first), first


def retry(changed, problems, output):
    return RETRY.format(changed=", ".join(changed) or "none",
                        problems="".join(f"Problem: {p}\n" for p in problems),
                        output=output[-1500:].strip())
