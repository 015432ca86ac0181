"""The run configuration: pydantic models for ``config.toml``. Every field is documented
here and in the shipped config.toml, whose values are the demo's. Unknown keys, wrong
types and out-of-range values fail before anything runs, naming the field."""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError

from galapagos.errors import ConfigError
from galapagos.orchestrator.config_text import check_depth, explain, set_dotted
from galapagos.orchestrator.config_text import parse_override as parse_override  # re-export

from galapagos.orchestrator.config_search import (LoopConfig, ProposersConfig,  # noqa: F401
                                                  SearchSpace, Section, SelectorConfig,
                                                  Strict)
from galapagos.orchestrator.strategies import EXECUTORS

BASE_MODELS = ("local/gemma3-270m",)  # models known to continue text, not follow orders


class RunConfig(Section):
    name: str = Field("run", description="A label for the run, shown in `galapagos runs`.")
    seed: int = Field(0, ge=0, lt=2**63, description="Seed of the run's random generator "
                      "(selection, minibatches, proposer choice); its state is saved, so "
                      "resume is exact.")
    archive: str = Field(".galapagos/archive.db", description="The project's SQLite archive. "
                         "Relative paths are taken from the config file's folder.")


class SandboxConfig(Section):
    """Where a task runs candidate code, and the limits of each run."""

    backend: Literal["docker", "process"] = Field(
        "docker", description="'docker' (hardened containers, the default and the only "
        "security boundary) or 'process' (a subprocess with rlimits: trusted code only).")
    image: Literal["base", "train"] = Field(
        "base", description="The Docker image runs start in: 'base' (Debian with python3) or "
        "'train' (base plus NumPy, for training tasks); each is built once, locally.")
    concurrency: int = Field(2, ge=1, description="Sandboxed runs at once.")
    pool_size: int = Field(4, ge=0, description="Warm containers kept per image and limits.")
    fresh: bool = Field(False, description="A new container for every run instead of the "
                        "warm pool.")
    wall_s: float = Field(10.0, gt=0, description="Wall-clock seconds per run.")
    memory_mb: int = Field(256, ge=16, description="Memory (and memory+swap) per run.")
    cpus: float = Field(1.0, gt=0, description="CPUs per run.")
    pids: int = Field(64, ge=8, description="Most processes and threads.")
    work_mb: int = Field(64, ge=1, description="Size of the work dir and of /tmp (tmpfs).")
    fsize_mb: int = Field(64, ge=1, description="Largest file a process may write.")
    nofile: int = Field(256, ge=16, description="Most open files.")
    output_bytes: int = Field(65536, ge=1024, description="stdout/stderr kept per run.")
    gpus: int = Field(0, ge=0, description="GPUs per run, handed out exclusively.")
    share_gpus: bool = Field(False, description="Let parallel runs share GPUs.")
    allow_cpu_fallback: bool = Field(False, description="Run GPU tasks on the CPU where no "
                                     "GPU is visible instead of failing.")

    def limits(self) -> "Any":
        from galapagos.sandbox import Limits

        return Limits(wall_s=self.wall_s, memory_mb=self.memory_mb, cpus=self.cpus,
                      pids=self.pids, work_mb=self.work_mb, fsize_mb=self.fsize_mb,
                      nofile=self.nofile, output_bytes=self.output_bytes, gpus=self.gpus)


class EndpointConfig(Section):
    """Where a model is served from, for OpenAI-compatible servers (vLLM, llama.cpp server,
    Ollama) or a proxy. Keys stay in the environment; the config names the variable."""

    api_base: str | None = Field(None, description="Base URL of an OpenAI-compatible server, "
                                 "e.g. 'http://127.0.0.1:8000/v1' (use model 'openai/NAME').")
    api_key_env: str | None = Field(None, description="Environment variable that holds the "
                                    "API key for api_base (local servers need none).")

    def api_key(self) -> str | None:
        import os

        if self.api_key_env and self.api_key_env not in os.environ:
            raise ConfigError(f"api_key_env names ${self.api_key_env}, which is not set in "
                              "the environment. Export it, or remove api_key_env.")
        return os.environ.get(self.api_key_env) if self.api_key_env else None


class TaskLLMConfig(EndpointConfig):
    """The task's own model (the model under evaluation), beside [llm] (the reflector)."""

    timeout_s: float | None = Field(None, gt=0, description="Seconds per call; default: "
                                    "[llm] timeout_s.")
    max_retries: int | None = Field(None, ge=0, description="Retries of a transient fault; "
                                    "default: [llm] max_retries.")


class TaskConfig(Section):
    name: str = Field(..., min_length=1, description="An installed task (`galapagos tasks`),"
                      " 'package.module:factory', or 'path/to/task.py:factory'.")
    options: dict[str, Any] = Field(default_factory=dict, description="Passed to the task's "
                                    "factory as-is; each task documents its own.")
    folder: str | None = Field(None, description="The folder relative paths among the "
                               "task's options are taken from: the config file's folder "
                               "(set when the file is read), else the current folder.")
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig, description="For tasks "
                                   "that run candidate code ([task.sandbox]).")
    llm: TaskLLMConfig = Field(default_factory=TaskLLMConfig, description="Where the task's "
                               "model is served ([task.llm]); the model itself is a task "
                               "option.")
    eval_timeout_s: float | None = Field(None, gt=0, description="Seconds one evaluation "
                                         "(a call of the task's evaluate) may take; past "
                                         "it, it scores 0 with the reason and the run goes "
                                         "on. Default: 1800, or twice [task.sandbox] wall_s"
                                         " plus 60 where that is longer.")

    def eval_deadline_s(self) -> float:
        """``eval_timeout_s``, or its default."""
        return self.eval_timeout_s or max(1800.0, 2 * self.sandbox.wall_s + 60)


class LLMConfig(EndpointConfig):
    model: str = Field("local/gemma3-270m", description="The reflection LLM, as litellm "
                       "names it: 'openai/gpt-4.1-mini', 'anthropic/claude-sonnet-4-5', "
                       "'ollama/llama3', 'local/gemma3-270m' (embedded), 'fake/deterministic'.")
    temperature: float = Field(0.7, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int = Field(400, gt=0, description="Longest answer, in tokens.")
    timeout_s: float = Field(120, gt=0, description="Seconds before one call to an API model "
                             "times out (the in-process local model is bounded by max_tokens "
                             "instead).")
    max_retries: int = Field(3, ge=0, description="Retries of a transient failure (timeout, "
                             "rate limit, server error), with exponential backoff.")
    backoff_s: float = Field(1.0, ge=0, description="First backoff delay; doubles each retry.")
    base: bool | None = Field(None, description="The model is a base model: it continues "
                              "text and does not follow instructions, so proposers give it "
                              "documents to complete. Default: true for the embedded model, "
                              "false for others.")

    def is_base(self) -> bool:
        return self.base if self.base is not None else self.model in BASE_MODELS


class BudgetConfig(Section):
    max_metric_calls: int | None = Field(None, ge=0, description="Most evaluations paid for.")
    max_llm_usd: float | None = Field(None, ge=0, description="Most dollars on LLM calls.")
    max_llm_tokens: int | None = Field(None, ge=0, description="Most LLM tokens.")
    max_gpu_s: float | None = Field(None, ge=0, description="Most GPU-seconds the search's "
                                    "evaluations hold (summed over the GPUs each holds).")
    max_cost: float | None = Field(None, ge=0, description="Most of the objective named by "
                                   "`cost`, summed over the search's evaluations.")
    cost: str = Field("duration_s", description="What max_cost counts: an objective the "
                      "task reports ('cost', 'tokens', 'sandbox_s') or 'duration_s', the "
                      "evaluations' seconds.")
    max_wall_s: float | None = Field(None, ge=0, description="Most seconds of running time "
                                     "(summed over resumes).")
    max_iterations: int | None = Field(None, ge=0, description="Most iterations.")
    stop_at_perfect: bool = Field(True, description="Stop when the best val mean reaches "
                                  "the task's perfect score (no child could beat it); "
                                  "false goes on to the other limits.")
    patience: int | None = Field(None, ge=1, description="Stop after this many iterations "
                                 "without a better best val score.")
    max_idle_iterations: int | None = Field(
        25, ge=1, description="Stop after this many iterations in a row that tried no new "
        "candidate (each proposal a repeat of one already tried, or a failure): the "
        "proposers have run dry, and the other limits may never be reached.")
    stop_file: str | None = Field(None, description="Stop at the next safe point when this "
                                  "file exists (default: <archive folder>/stop-<run id>).")


class TrackingConfig(Section):
    mlflow_uri: str | None = Field(None, description="Log the run to MLflow at this tracking "
                                   "URI (e.g. 'sqlite:///mlflow.db' or a server's http "
                                   "address); needs `pip install 'galapagos[mlflow]'`.")
    experiment: str = Field("galapagos", description="The MLflow experiment to log into.")


class ExecutorConfig(Section):
    kind: Annotated[str, AfterValidator(EXECUTORS.check)] = Field(
        "local", description="Where evaluations run: threads of this process ('local'), a "
        "Ray cluster ('ray'), or an executor plug-in's name.")
    address: str = Field("auto", description="The Ray cluster: 'auto' (the one `ray start` "
                         "made on this machine, or RAY_ADDRESS), 'local' (start one in this "
                         "process), 'host:port', or a ray:// URL.")
    num_cpus: float = Field(1.0, ge=0, description="CPUs one evaluation holds on Ray.")
    num_gpus: float = Field(0.0, ge=0, description="GPUs one evaluation holds on Ray.")
    memory_mb: int | None = Field(None, gt=0, description="Memory one evaluation holds.")
    resources: dict[str, float] = Field(default_factory=dict, description="Custom Ray "
                                        "resources per evaluation, e.g. {docker = 1}.")
    max_retries: int = Field(3, ge=0, description="Retries, on another Ray worker, of an "
                             "evaluation whose worker process or node died.")
    start_s: float = Field(120.0, gt=0, description="Seconds a new Ray worker may take to "
                           "start (placed by the cluster, the task built) before it is given "
                           "up; raise it where nodes are added on demand.")


class Config(Section):
    run: RunConfig = Field(default_factory=RunConfig)
    task: TaskConfig
    llm: LLMConfig = Field(default_factory=LLMConfig)
    selector: SelectorConfig = Field(default_factory=SelectorConfig)
    proposers: ProposersConfig = Field(default_factory=ProposersConfig)
    loop: LoopConfig = Field(default_factory=LoopConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    search_space: SearchSpace = Field(
        default_factory=dict, description="Model settings CARBS tunes on a prompt task "
        "(proposers.use = [\"carbs\"]): each [search_space.NAME] (temperature, top_p, "
        "max_tokens) with its value, space and optional bounds; the seed carries them in "
        "its settings component.")


def load_config(path: str | Path | None, overrides: dict[str, Any] | None = None,
                base: dict[str, Any] | None = None) -> Config:
    """Read a TOML file (or start from ``base``), apply dotted overrides, validate."""
    data: dict[str, Any] = copy.deepcopy(base or {})
    source = "configuration"
    if path is not None:
        p = Path(path)
        source = str(p)
        if not p.is_file():
            raise ConfigError(f"Config file '{p.absolute()}' does not exist. Pass --config "
                              "with the path of a TOML file, or write one here with "
                              "`galapagos init` (--task adds a task to start from).")
        data = anchor_paths(_read_toml(p), p.parent)
    for key, value in (overrides or {}).items():
        set_dotted(data, key, value)
    check_depth(data, source)
    if isinstance(data.get("task"), dict):  # no file: the task's paths are the shell's
        data["task"].setdefault("folder", os.getcwd())
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source} is invalid: {explain(exc)}") from exc


PATH_KEYS = (("run", "archive"), ("budget", "stop_file"), ("task", "folder"))


def anchor_paths(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """One rule for the paths a config file holds: relative ones are taken from the file's
    folder (``run.archive``, ``budget.stop_file``, a ``task.name`` file and, through
    ``task.folder``, the paths among the task's options). Paths given on the command line
    are taken from the current folder, as any command's are."""
    base = os.path.abspath(folder)
    for table, key in PATH_KEYS:
        section = data.get(table)
        if isinstance(section, dict) and isinstance(section.get(key), str):
            section[key] = os.path.normpath(os.path.join(base, section[key]))
    task = data.get("task")
    if isinstance(task, dict):
        task.setdefault("folder", base)
        name = task.get("name")
        if isinstance(name, str) and name.partition(":")[0].endswith(".py"):
            task["name"] = os.path.normpath(os.path.join(base, name))
    return data


def _read_toml(p: Path) -> dict[str, Any]:
    """The file's tables, or a ConfigError that says what is wrong with the file itself."""
    try:
        return tomllib.loads(p.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p} is not UTF-8 text (byte {exc.start} is not); a config is "
                          "a TOML file, e.g. the repository's config.toml.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p} is not valid TOML: {exc}.") from exc
    except RecursionError:
        raise ConfigError(f"{p} nests arrays or tables too deep to read; a config needs "
                          "two or three levels.") from None
