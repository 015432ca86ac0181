"""The escape battery, run on the agent path: each attack is an agent (its agent.py execs
the attack) started as agents are, in a fresh sandbox with the agent mounted read-only and
the gateway's socket mounted in. The gateway's mount must open no way out."""

from dataclasses import replace

import pytest

from galapagos.agents.gateway import Gateway
from galapagos.agents.llm import LLMClient
from galapagos.sandbox import RunRequest, RunResult
from galapagos.tasks.agent.run import AgentRunner
from tests.integration.test_sandbox_escapes import (  # noqa: F401 - collected here too
    test_disk_fill_of_work_dir_and_tmp, test_dns_lookup_fails_for_want_of_any_network,
    test_file_size_limit, test_fork_bomb_hits_the_pids_limit,
    test_host_environment_does_not_leak, test_host_listener_on_bridge_gateway_is_unreachable,
    test_infinite_loop_times_out, test_memory_bomb_is_oom_killed,
    test_no_interface_but_loopback, test_privilege_escalation_is_refused,
    test_raw_sockets_are_refused, test_shell_fork_bomb_is_stopped_by_the_clock,
    test_sleep_past_the_limit, test_stdout_flood_is_capped_and_flagged,
    test_writes_outside_the_work_dir_fail, test_zombies_are_reaped)

pytestmark = [pytest.mark.docker, pytest.mark.slow]

EXEC = "import os, sys\nCMD = {cmd!r}\nos.execvp(CMD[0], CMD)\n"


class AgentPath:
    """A sandbox whose every run is an agent's: the request's command becomes agent.py."""

    backend, is_security_boundary = "docker", True

    def __init__(self, box):
        self.box = box
        gateway = Gateway(lambda m: LLMClient(m), ["fake/deterministic"])
        self.runner = AgentRunner(gateway, lambda: box, limits=None)

    def run(self, request: RunRequest) -> RunResult:
        agent = {"agent.py": EXEC.format(cmd=request.command)}
        with self.runner.gateway.session({"instance_id": "escape"}) as sess:
            base = self.runner.request(agent, {}, sess)
            return self.box.run(replace(base, files={**base.files, **request.files},
                                        env=request.env, limits=request.limits))

    def close(self):
        self.box.close()


@pytest.fixture(scope="module")
def sb():
    from galapagos.sandbox.docker_backend import DockerSandbox

    box = AgentPath(DockerSandbox(gpus=[]))
    yield box
    box.close()
