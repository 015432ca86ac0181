"""The grading library the built-in tasks share; a task imports it (and the protocol),
never another task's package or the archive.

- ``checked(result, what)``: a sandbox result, or the sandbox's own failure raised as an
  infrastructure fault (retried, never a score), wherever a task runs the sandbox (its
  smoke check included);
- ``HiddenGrader``: the two-party run in which hidden check code grades a candidate's files
  (hidden.py says how the candidate is kept from the tests and the verdict);
- ``FunctionGrader``, ``read_functions``, ``FUNCTIONS``: HumanEval-format problems and their
  two-step grading, with the shipped problems (regenerate them with make_functions.py);
- ``changes``: what a candidate changed in a workspace, as a unified diff;
- ``points``: small 2-D classification sets with label noise, generated from fixed seeds,
  that the training tasks train on."""

from galapagos.tasks.grading.faults import checked
from galapagos.tasks.grading.functions import FUNCTIONS, FunctionGrader, read_functions
from galapagos.tasks.grading.hidden import HiddenGrader, Verdict
from galapagos.tasks.grading.workspace import changes

__all__ = ["FUNCTIONS", "FunctionGrader", "HiddenGrader", "Verdict", "changes", "checked",
           "read_functions"]
