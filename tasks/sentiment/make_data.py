"""Writes reviews.jsonl: a few hundred labelled product/place reviews, from templates.

Run ``python -m galapagos.tasks.sentiment.make_data`` to regenerate (deterministic).
Reviews mix plain praise and complaints with harder ones: negations ("not bad at all"),
contrast ("great screen, but ... returned it") and understatement, so that a model must
read the whole review, and a weak prompt leaves plenty of headroom.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

THINGS = ["phone", "laptop", "blender", "hotel room", "pizza", "novel", "film", "headset",
          "coffee maker", "backpack", "vacuum", "tent", "keyboard", "restaurant", "game",
          "jacket", "printer", "bike", "camera", "sofa"]
GOOD = ["works perfectly", "exceeded my expectations", "is worth every penny",
        "made my week", "is sturdy and well made", "arrived early and works great",
        "is a joy to use", "is the best purchase I made this year",
        "impressed the whole family", "does exactly what it promises"]
BAD = ["broke after two days", "is a waste of money", "stopped working within a week",
       "was a huge disappointment", "feels cheap and flimsy", "arrived damaged",
       "is the worst purchase I have made", "never worked properly",
       "made me regret buying it", "falls apart already"]
POS_TEMPLATES = [
    "The {t} {g}.", "Honestly, this {t} {g}!", "I was unsure at first, but the {t} {g}.",
    "Not bad at all: the {t} {g}.", "Five stars. The {t} {g}.",
    "The box was dented, but the {t} itself {g}. Keeping it.",
    "My old one broke constantly; this {t} {g}.", "Would buy this {t} again. It {g}.",
    "I can't say anything negative: the {t} {g}.", "Did not expect much, yet the {t} {g}.",
]
NEG_TEMPLATES = [
    "The {t} {b}.", "Sadly, this {t} {b}.", "Looks great in photos, but the {t} {b}.",
    "Not worth it: the {t} {b}.", "One star. The {t} {b}.",
    "The packaging was lovely, but the {t} {b}. Returned it.",
    "I wanted to love it, but the {t} {b}.", "Would not buy this {t} again. It {b}.",
    "I can't recommend it: the {t} {b}.", "Expected a lot, yet the {t} {b}.",
]
SPLITS = {"train": 160, "val": 60, "test": 60}


def generate(seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    pool = []
    for label, templates, phrases in (("positive", POS_TEMPLATES, GOOD),
                                      ("negative", NEG_TEMPLATES, BAD)):
        for tmpl in templates:
            for thing in THINGS:
                phrase = rng.choice(phrases)
                key = "g" if label == "positive" else "b"
                pool.append({"text": tmpl.format(t=thing, **{key: phrase}), "label": label})
    rng.shuffle(pool)
    rows, start = [], 0
    for split, n in SPLITS.items():
        for i, row in enumerate(pool[start:start + n]):
            rows.append({"id": f"{split}-{i:03d}", "split": split, **row})
        start += n
    return rows


def main() -> None:
    out = Path(__file__).with_name("reviews.jsonl")
    out.write_text("".join(json.dumps(r) + "\n" for r in generate()))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
