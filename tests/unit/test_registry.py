import pytest

from galapagos.errors import TaskError, TaskNotFound
from galapagos.tasks import TaskContext, available, load_task
from tests.conftest import TOY


def ctx():
    return TaskContext(options={})


def test_entry_points_list_the_builtins():
    assert {"sentiment", "code"} <= set(available())


def test_module_attr_and_file_paths():
    assert load_task("tests.fixtures.toy_task:create", ctx()).name == "toy"
    assert load_task(TOY, ctx()).name == "toy"
    assert load_task(TOY.rsplit(":", 1)[0], ctx()).name == "toy"  # attr defaults to create


def test_clear_errors():
    with pytest.raises(TaskNotFound, match="has no attribute 'nope'"):
        load_task("tests.fixtures.toy_task:nope", ctx())
    with pytest.raises(TaskNotFound, match="does not exist"):
        load_task("/no/such/task.py:create", ctx())
    with pytest.raises(TaskError, match="failed to load: ModuleNotFoundError"):
        load_task("no_such_package.tasks:create", ctx())
    with pytest.raises(TaskError, match="Unknown sentiment task option"):
        load_task("sentiment", TaskContext(options={"colour": "blue"}, llm=lambda m: None))


def test_object_missing_protocol_methods(tmp_path):
    f = tmp_path / "half.py"
    f.write_text("class Half:\n    name = 'half'\ndef create(ctx):\n    return Half()\n")
    with pytest.raises(TaskError, match="does not implement instances, seed_candidate"):
        load_task(f"{f}:create", ctx())
