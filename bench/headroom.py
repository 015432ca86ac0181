"""Which BIG-bench tasks leave the embedded model room to improve: the static 8-shot prompt
of ``vs_gepa.py`` against the expected score of a uniformly random option, per task.

A task where 8 demonstrations do not lift the model above chance cannot tell a better
prompt search from a lucky one; ``vs_gepa.py``'s figures are read against this.

    python bench/headroom.py [task,task,...]   # default: twelve more tasks with 160+ examples

(date_understanding, the one with the most lift, then joined vs_gepa.py's tasks.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bigbench_tasks import CACHE, write_all  # noqa: E402
from vs_gepa import MODEL, run_chance, run_kshot  # noqa: E402

from galapagos.agents.llm import LLMClient  # noqa: E402
from galapagos.tasks.qa import QATask, read  # noqa: E402

MORE = ("language_identification", "contextual_parametric_knowledge_conflicts",
        "date_understanding", "logical_fallacy_detection", "social_iqa", "movie_recommendation",
        "ruin_names", "snarks", "causal_judgment", "hindu_knowledge", "physics",
        "presuppositions_as_nli")
RESULTS = Path(__file__).with_name("headroom.json")


def main() -> None:
    names = sys.argv[1].split(",") if len(sys.argv) > 1 else list(MORE)
    llm, out = LLMClient(MODEL), {}
    print(f"{'task':44}{'chance test':>12}{'8-shot test':>12}{'lift':>8}")
    for name, data in zip(names, write_all(names, CACHE / "bigbench"), strict=True):
        task = QATask(llm, data, read(data, {}))
        out[name] = {"chance": run_chance(task, data, 0), "8-shot": run_kshot(task, data, 0)}
        c, k = out[name]["chance"]["test"], out[name]["8-shot"]["test"]
        print(f"{name:44}{c:>12.3f}{k:>12.3f}{k - c:>+8.3f}", flush=True)
        RESULTS.write_text(json.dumps({"model": MODEL, "results": out}, indent=1))
    lifts = [r["8-shot"]["test"] - r["chance"]["test"] for r in out.values()]
    print(f"mean lift over chance: {sum(lifts) / len(lifts):+.3f}; above chance by more "
          f"than .05: {sum(x > 0.05 for x in lifts)} of {len(lifts)}")


if __name__ == "__main__":
    main()
