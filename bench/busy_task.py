"""A task whose evaluation is pure CPU work (about 0.3 s of arithmetic), for throughput
benchmarks of the executors."""

from galapagos.tasks.protocol import Instance, Result


class Busy:
    name = "busy"

    def instances(self):
        return [Instance(f"b{k}", "train", "x") for k in range(4)]

    def seed_candidate(self):
        return {"n": "2000000"}

    def fingerprint(self):
        return "busy:v1"

    def evaluate(self, candidate, instance):
        total = 0
        for k in range(int(candidate["n"])):
            total += k * k % 7
        return Result(1.0, str(total))


def create(ctx):
    return Busy()
