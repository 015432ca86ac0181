"""A newcomer's first hour (issue 20, items 2-4): `galapagos init` gives a config and a task
that run, a task calls its model through `answer`, the default proposers fit the task, and
every relative path in a config is taken from the config file's folder."""

import json
import re
import tomllib

import pytest
from typer.testing import CliRunner

from galapagos.agents.llm.client import LLMClient
from galapagos.agents.llm.fake import FakeLLM
from galapagos.archive import Archive
from galapagos.errors import ConfigError, TaskNotFound
from galapagos.orchestrator.cli import app
from galapagos.orchestrator.config import Config, load_config
from galapagos.orchestrator.runner import start_run
from galapagos.orchestrator.scaffold import config_text, write_init

runner = CliRunner()


def test_init_then_run_in_an_empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = runner.invoke(app, ["init", "--task", "--model", "fake/deterministic"])
    assert made.exit_code == 0, made.output
    assert "Wrote config.toml" in made.output and "galapagos run -c config.toml" in made.output
    ran = runner.invoke(app, ["run", "-c", "config.toml", "--max-iterations", "3"])
    assert ran.exit_code == 0, ran.output
    assert "finished" in ran.output and "galapagos ui first-" in ran.output
    assert (tmp_path / ".galapagos" / "archive.db").is_file()
    again = runner.invoke(app, ["init", "--task"])
    assert isinstance(again.exception, ConfigError) and "--force" in str(again.exception)
    assert runner.invoke(app, ["init", "--task", "--force"]).exit_code == 0


def test_the_written_config_names_every_key_and_is_valid(tmp_path):
    text = config_text()
    cfg = Config.model_validate(tomllib.loads(text))
    assert cfg.task.name == "sentiment" and cfg.run.archive == ".galapagos/archive.db"
    for section, fields in _leaves(Config):
        for name in fields:
            assert f"{name} = " in text, f"{section}.{name} is not in the written config"
    for line in text.splitlines():  # every commented key, uncommented, is valid TOML
        if re.match(r"# [a-z_]+ = ", line) and not line.endswith("= ..."):
            tomllib.loads(line[2:])


def _leaves(model, prefix=""):
    fields, out = [], []
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and hasattr(kind, "model_fields"):
            out += _leaves(kind, f"{prefix}.{name}")
        elif name != "folder":
            fields.append(name)
    return [(prefix, fields), *out]


def test_init_refuses_to_overwrite_and_names_the_files(tmp_path):
    write_init(tmp_path)
    with pytest.raises(ConfigError, match="config.toml already exist"):
        write_init(tmp_path, task=True)
    assert not (tmp_path / "my_task.py").exists()  # nothing written when one clashes


def test_run_with_only_a_task_needs_no_config_file(tmp_path, monkeypatch):
    write_init(tmp_path / "p", task=True)
    monkeypatch.chdir(tmp_path / "p")
    (tmp_path / "p" / "config.toml").unlink()
    ran = runner.invoke(app, ["run", "--task", "my_task.py:create", "--model",
                              "fake/deterministic", "--max-iterations", "2",
                              "--set", 'task.options.model="fake/deterministic"'])
    assert ran.exit_code == 0, ran.output
    missing = runner.invoke(app, ["run"])
    assert isinstance(missing.exception, ConfigError)
    assert "galapagos init" in str(missing.exception)


def test_answer_is_a_short_greedy_line():
    fake = FakeLLM("answers").enqueue("  France \nCity: Rome\nCountry: Italy", "a\nb")
    client = LLMClient(fake.model)
    assert client.answer("City: Paris\nCountry:") == "France"
    assert client.answer("x", stop=[]) == "a\nb"  # stop=[] keeps every line


def test_the_default_proposers_drop_demos_for_a_task_without_demonstrations(tmp_path):
    write_init(tmp_path, task=True, model="fake/deterministic")
    cfg = load_config(tmp_path / "config.toml", {"budget.max_iterations": 8})
    out = start_run(cfg)
    arch = Archive(out.archive)
    reasons = [e["data"].get("reason", "") for e in arch.events(out.run_id, "iteration")]
    assert len(reasons) == 8 and not any("demonstrations" in r for r in reasons)
    assert arch.get_run(out.run_id)["config"]["proposers"]["use"] == ["reflective", "merge"]


def test_demos_named_by_the_user_for_such_a_task_is_a_config_error(tmp_path):
    write_init(tmp_path, task=True, model="fake/deterministic")
    cfg = load_config(tmp_path / "config.toml", {"proposers.use": ["reflective", "demos"]})
    with pytest.raises(ConfigError, match="names demos.*no demonstrations component"):
        start_run(cfg)
    assert not (tmp_path / ".galapagos" / "archive.db").exists() or not Archive(
        tmp_path / ".galapagos" / "archive.db").list_runs()


def test_paths_in_a_config_are_taken_from_its_folder(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    rows = [{"id": f"{s}{k}", "split": s, "input": f"q{k}", "answer": "yes"}
            for s in ("train", "val", "test") for k in range(3)]
    (project / "data" / "qa.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    (project / "c.toml").write_text(
        '[run]\narchive = "out/a.db"\n[task]\nname = "qa"\n[task.options]\n'
        'data = "data/qa.jsonl"\nmodel = "fake/deterministic"\n[llm]\n'
        'model = "fake/deterministic"\n[budget]\nmax_iterations = 1\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config("../project/c.toml")
    assert cfg.run.archive == str(project / "out" / "a.db")  # normalised: no '..' in it
    out = start_run(cfg)
    assert out.status == "finished" and (project / "out" / "a.db").is_file()
    assert not list(elsewhere.iterdir())


def test_a_missing_task_file_names_the_full_path_it_tried(tmp_path, monkeypatch):
    (tmp_path / "c.toml").write_text('[task]\nname = "tasks/mine.py:create"\n'
                                     '[run]\narchive = "a.db"\n')
    monkeypatch.chdir("/")
    cfg = load_config(tmp_path / "c.toml")
    with pytest.raises(TaskNotFound, match=str(tmp_path / "tasks" / "mine.py")):
        start_run(cfg)


def test_command_line_paths_are_taken_from_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "c.toml").write_text('[task]\nname = "sentiment"\n')
    monkeypatch.chdir(tmp_path)
    cfg = load_config("c.toml", {"run.archive": "here.db"})
    assert cfg.run.archive == "here.db" and cfg.task.folder == str(tmp_path)
