"""The seed coding agent: a small agent that fixes a repository's issue.

Run as ``python3 agent.py GATEWAY WORKSPACE LOG``. It reads ISSUE.md and the workspace,
asks the model (through the Galápagos gateway in the GATEWAY folder) for edits, applies
them, runs the visible tests, and tries again with what the tests said, within a step and
token budget. Every step goes to LOG as a JSON line. This file, prompts.py and tools.py
are the candidate: Galápagos evolves them, and the agent may be asked to improve itself.
"""

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import prompts  # noqa: E402
import tools  # noqa: E402

MAX_STEPS = 3          # model calls to fix the issue
MAX_TOKENS = 600       # per answer
TEST_TIMEOUT_S = 20


class Log:
    def __init__(self, path):
        self.path, self.start = path, time.monotonic()

    def step(self, kind, **data):
        data = {"t": round(time.monotonic() - self.start, 3), "kind": kind, **data}
        with open(self.path, "a") as f:
            f.write(json.dumps(data) + "\n")


def ask(llm, log, prompt):
    try:
        text = llm.chat([{"role": "user", "content": prompt}], max_tokens=MAX_TOKENS,
                        temperature=0.0)
    except llm.GatewayError as exc:
        log.step("llm_refused", status=exc.status, reason=exc.message)
        return None
    log.step("llm", prompt_chars=len(prompt), answer=text[:4000])
    return text


def solve(llm, workspace, log):
    issue = tools.read(os.path.join(workspace, "ISSUE.md"))
    original = tools.snapshot(workspace)
    feedback = ""
    for step in range(1, MAX_STEPS + 1):
        files = tools.snapshot(workspace)
        prompt, primer = prompts.fix(issue, files, feedback)
        answer = ask(llm, log, prompt)
        if answer is None:
            break
        changed, problems = tools.apply_answer(primer + "\n" + answer, workspace)
        log.step("edit", step=step, changed=changed, problems=problems)
        passed, output = tools.run_tests(workspace, TEST_TIMEOUT_S)
        log.step("tests", step=step, passed=passed, output=output[-2000:])
        if passed and changed:
            break
        feedback = prompts.retry(changed, problems, output)
    log.step("diff", diff=tools.diff(original, tools.snapshot(workspace))[-8000:])


def main(argv):
    gateway, workspace, log_path = argv[1:4]
    sys.path.insert(0, gateway)
    import galapagos_llm

    log = Log(log_path)
    log.step("start", workspace=workspace, steps=MAX_STEPS)
    solve(galapagos_llm, workspace, log)
    log.step("end")


if __name__ == "__main__":
    main(sys.argv)
