"""A task's traits are declared in one place (tasks/protocol.py) with their defaults, and
the loop reads them there: a task that declares none runs with the defaults."""

from galapagos.tasks import Traits, traits
from galapagos.tasks.qa import QATask


class Bare:
    name = "bare"


class Declared:
    name = "declared"
    objectives = {"tokens": "min"}
    perfect_score = 1.0
    demo_component = "demos"


def test_a_task_that_declares_nothing_gets_the_defaults():
    assert traits(Bare()) == Traits({}, None, None)


def test_declared_traits_are_read_and_the_objectives_copied():
    task = Declared()
    got = traits(task)
    assert got == Traits({"tokens": "min"}, 1.0, "demos")
    got.objectives["x"] = "max"
    assert task.objectives == {"tokens": "min"}  # reading them changes nothing


def test_a_built_in_task_declares_its_traits_as_class_attributes():
    assert traits(QATask).perfect_score == 1.0 and traits(QATask).demo_component == "demos"
