"""How often a reflective proposal becomes a child, and a child is accepted, per
meta-prompt style, with the embedded base model reflecting on BIG-bench qa tasks.

    python bench/reflection_yield.py [--tasks a,b] [--iterations 20] [--styles instruct,completion]
                                     [--proposer reflective]

Prints per task and style: proposals, children (an answer that is a new text), accepted
(the child beat its parent on the minibatch), new bests, and the commonest rejections."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bigbench_tasks import CACHE, TASKS, write_all  # noqa: E402

from galapagos.archive import Archive  # noqa: E402
from galapagos.orchestrator.config import load_config  # noqa: E402
from galapagos.orchestrator.runner import start_run  # noqa: E402


def one(data: Path, style: str, proposer: str, iterations: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        cfg = load_config(None, base={
            "run": {"archive": f"{d}/a.db", "name": "yield"},
            "task": {"name": "qa", "options": {"data": str(data)}},
            "proposers": {"use": [proposer], "reflective": {"style": style}},
            "loop": {"skip_perfect": False},
            "budget": {"max_iterations": iterations}})
        out = start_run(cfg)
        events = [e["data"] for e in Archive(out.archive).events(out.run_id, "iteration")]
    reasons = Counter(e.get("reason", "") for e in events if "child_mb" not in e
                      and e["outcome"] != "accepted")
    return {"proposals": len(events),
            "children": sum(1 for e in events if "child_mb" in e or e["outcome"] == "accepted"),
            "accepted": sum(1 for e in events if e["outcome"] in ("accepted", "staged_out")),
            "new_best": sum(1 for e in events if e.get("new_best")),
            "reasons": reasons.most_common(3), "val": out.summary["val"][out.summary["best"]]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", default=",".join(TASKS[:3]))
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--styles", default="instruct,completion")
    ap.add_argument("--proposer", default="reflective")
    args = ap.parse_args()
    names = args.tasks.split(",")
    total: dict[str, Counter] = {}
    print(f"{'task':24}{'style':12}{'proposals':>10}{'children':>10}{'accepted':>10}"
          f"{'new best':>10}{'best val':>10}  commonest rejections")
    for name, data in zip(names, write_all(names, CACHE / "bigbench"), strict=True):
        for style in args.styles.split(","):
            r = one(data, style, args.proposer, args.iterations)
            total.setdefault(style, Counter()).update(
                {k: r[k] for k in ("proposals", "children", "accepted", "new_best")})
            print(f"{name:24}{style:12}{r['proposals']:>10}{r['children']:>10}"
                  f"{r['accepted']:>10}{r['new_best']:>10}{r['val']:>10.3f}  {r['reasons']}",
                  flush=True)
    for style, c in total.items():
        print(f"{style}: children {c['children']}/{c['proposals']} "
              f"({c['children'] / max(c['proposals'], 1):.0%}), accepted {c['accepted']}/"
              f"{c['proposals']} ({c['accepted'] / max(c['proposals'], 1):.0%}), "
              f"new best {c['new_best']}")


if __name__ == "__main__":
    main()
