"""Meta-prompts: the documents the reflective proposers hand the LLM.

An instruction model is asked for a better text in a fenced block (``INSTRUCT``). A base
model does not follow requests; it continues documents. For it there are two documents to
continue: APE's instruction induction (demonstrations, then "The instruction was to"), and
a notebook of worked rewrites (an instruction, its mistakes, an improved instruction) that
ends where the next improved instruction is due. A template names its slots in braces:
``{name}`` (the component), ``{text}`` (its current text), ``{examples}`` (inputs, outputs,
scores, feedback), ``{pairs}`` (inputs with their expected outputs), ``{mistakes}``,
``{tried}`` (texts already tried in its place and rejected; empty when there are none)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from galapagos.archive import Evaluation
from galapagos.tasks.protocol import Instance, describe_instance

SLOTS = ("name", "text", "examples", "pairs", "mistakes", "tried")
SHORT = 300  # characters of an input shown in a completion-style document

INSTRUCT = """I gave an assistant the following text, the component '{name}' of its prompt:
```
{text}
```

Here are inputs it was given, its outputs, and feedback on each:

{examples}{tried}

Read the inputs and the feedback carefully. Work out what the task needs, what went wrong
and what general rules would make every answer right. Then write a new version of the
component '{name}' that fixes these failures. Give the new text alone, inside one ``` block.
```
"""

INDUCE = """I gave a friend an instruction and some inputs. The friend read the instruction \
and wrote an output for every one of the inputs. Here are the input-output pairs:

{pairs}

The instruction was to"""

REWRITE = """Prompt engineering notebook. Each entry shows an instruction, the mistakes a \
model made with it, and an improved instruction that fixes them.

Instruction: Translate.
Mistakes: Input "chat" gave "chat" (expected "cat"). Input "chien" gave "The dog" \
(expected "dog").
Improved instruction: Translate the French word into English. Answer with the English \
word alone, in lower case.

Instruction: Is it prime?
Mistakes: Input "9" gave "Yes, 9 is" (expected "no"). Input "7" gave "prime" (expected \
"yes").
Improved instruction: Say whether the number is a prime number. Answer with one word: \
yes or no.

Instruction: Pick one.
Mistakes: Input "Which is a fruit? Options: car | apple" gave "Which is" (expected "apple").
Improved instruction: Read the question, then copy the one option that answers it, word for \
word.

Instruction: Date.
Mistakes: Input "The day after 03/31/2020?" gave "The day after" (expected "04/01/2020").
Improved instruction: Work out the date the question asks for and answer with that date \
alone, as MM/DD/YYYY.

Instruction: {text}
Mistakes: {mistakes}
Improved instruction:"""


@dataclass(frozen=True)
class Tried:
    """A text tried in place of the current one and rejected (see ``tried_section``)."""

    text: str
    reason: str
    child_mb: float | None = None
    parent_mb: float | None = None


@dataclass(frozen=True)
class MetaPrompt:
    """A template and how its answer is read: a fenced block, the line it continues, or
    the text before a closing ``</template>`` tag."""

    key: str
    template: str
    read: Literal["fenced", "line", "tagged"] = "fenced"

    def render(self, name: str, text: str, minibatch: Sequence[Instance],
               results: dict[str, Evaluation], tried: Sequence[Tried] = ()) -> str:
        fields = {"name": name, "text": text,
                  "examples": examples(minibatch, results),
                  "pairs": pairs(minibatch, results), "mistakes": mistakes(minibatch, results),
                  "tried": tried_section(name, tried)}
        out = self.template
        for slot in SLOTS:
            out = out.replace("{" + slot + "}", fields[slot])
        return out

    def extract(self, answer: str) -> tuple[str, str | None]:
        if self.read == "fenced":
            return extract_block(answer)
        if self.read == "tagged":  # a text that holds fences itself ends at a tag
            body, closed, _ = answer.partition("</template>")
            return ((body.strip("\n"), None) if closed and body.strip()
                    else ("", "empty answer" if closed else "truncated answer (no closing tag)"))
        line = answer.strip().split("\n", 1)[0].strip().strip('"').strip()
        if not line:
            return "", "empty answer"
        return line[:1].upper() + line[1:], None


BUILT_IN = {"instruct": MetaPrompt("instruct", INSTRUCT),
            "induce": MetaPrompt("induce", INDUCE, "line"),
            "rewrite": MetaPrompt("rewrite", REWRITE, "line")}


def usable(meta: MetaPrompt, minibatch: Sequence[Instance]) -> bool:
    """Induction needs the expected outputs, which only some tasks give as text."""
    return "{pairs}" not in meta.template or all(
        isinstance(i.expected, str) for i in minibatch)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[:SHORT] + "…"


def examples(minibatch: Sequence[Instance], results: dict[str, Evaluation]) -> str:
    return "\n\n".join(
        f"### Example {n}\nInput: {describe_instance(i)}\nOutput: {results[i.id].output}\n"
        f"Score: {results[i.id].score:g}\nFeedback: {results[i.id].feedback}"
        for n, i in enumerate(minibatch, 1))


def pairs(minibatch: Sequence[Instance], results: dict[str, Evaluation]) -> str:
    return "\n\n".join(f"Input: {_short(describe_instance(i))}\nOutput: {i.expected}"
                       for i in minibatch if isinstance(i.expected, str))


def mistakes(minibatch: Sequence[Instance], results: dict[str, Evaluation]) -> str:
    top = max((results[i.id].score for i in minibatch), default=0.0)
    wrong = [i for i in minibatch if results[i.id].score < top] or list(minibatch)
    return " ".join(
        f'Input "{_short(describe_instance(i))}" gave "{_short(results[i.id].output)}" '
        + (f'(expected "{i.expected}").' if isinstance(i.expected, str)
           else f"({_short(results[i.id].feedback)}).") for i in wrong)


def tried_section(name: str, tried: Sequence[Tried]) -> str:
    """The texts already tried in place of the current one and rejected, each with its
    minibatch score against the parent's, so the next version differs from them; empty
    when there are none (the document reads as it did before this slot existed)."""
    if not tried:
        return ""
    shown = "\n\n".join(
        (f"Scored {t.child_mb:g} where the current text scored {t.parent_mb or 0:g}:"
         if t.child_mb is not None else f"Rejected ({t.reason}):") + f"\n```\n{t.text}\n```"
        for t in tried)
    return (f"\n\nThese versions of '{name}' were already tried in its place and did no "
            f"better on other inputs; write something different from each of them:\n\n{shown}")


def extract_block(answer: str) -> tuple[str, str | None]:
    """The text of the fenced block in an answer, or why there is none.

    The prompt ends with an opening fence, so a base model simply continues with the new
    text and closes the fence; a chat model usually opens a fence of its own."""
    if not answer.strip():
        return "", "empty answer"
    body = answer.lstrip()
    if body.startswith("```"):
        body = body[3:].split("\n", 1)[1] if "\n" in body else ""
    match = re.search(r"^(.*?)\n?```", body, flags=re.S)
    if match is None:
        return "", "truncated answer (no closing fence)"
    text = match.group(1).strip("\n")
    if not text.strip():
        return "", "empty block"
    return text, None
