"""The Dockerfile, built and run: the image (Debian slim, the project installed with uv from
uv.lock, a non-root user, a HEALTHCHECK on /health, under 300 MB) runs the bot against the local
Slack and Claude servers, answers a mention, reports healthy and stops on SIGTERM. Needs a
Docker daemon: skipped in one line without one, except under CI=true (CI installs docker.io
and debootstrap and starts dockerd: .ci/run)."""

import json
import uuid
from pathlib import Path

import pytest

from tests.container import docker, docker_ready, ensure_base
from tests.e2e.helpers import answered, body_of
from tests.e2e.test_http_mode import free_port
from tests.system_packages import require

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "claude-slack-test"
MAX_BYTES = 300_000_000


@pytest.fixture(scope="module")
def image():
    require(docker_ready(),
            "the container test needs Docker: apt-get install docker.io, start dockerd")
    ensure_base()
    built = docker("build", "--network", "host", "-t", IMAGE, str(ROOT), timeout=1200,
                   check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    return IMAGE


def test_the_image_is_small_runs_as_a_user_and_checks_its_health(image):
    [info] = json.loads(docker("image", "inspect", image).stdout)
    assert info["Size"] <= MAX_BYTES, f"{info['Size'] / 1e6:.0f} MB"
    config = info["Config"]
    assert config["User"] == "bot"
    assert config["Healthcheck"]["Test"][-3:] == ["python", "-m", "bot.health"]


async def test_the_container_answers_a_mention(image, slack, claude, tmp_path):
    metrics = free_port()
    env = tmp_path / "env"
    env.write_text("\n".join(f"{k}={v}" for k, v in {
        "SLACK_BOT_TOKEN": slack.bot_token, "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.api_url, "ANTHROPIC_API_KEY": claude.api_key,
        "ANTHROPIC_BASE_URL": claude.base_url, "METRICS_PORT": str(metrics)}.items()) + "\n")
    name = f"claude-slack-{uuid.uuid4().hex[:8]}"
    docker("run", "-d", "--rm", "--network", "host", "--env-file", str(env), "--name", name,
           image)
    try:
        await slack.wait_connected(1, timeout=60)
        await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> hello from a container")
        [reply] = await answered(slack)
        assert body_of(reply) == "Hello from the test Claude."
        assert docker("exec", name, "python", "-m", "bot.health", check=False).returncode == 0
    finally:
        stopped = docker("stop", "-t", "10", name, check=False, timeout=60)
    assert stopped.returncode == 0
