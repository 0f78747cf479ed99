"""What a fresh bot process imports before its first answer: only what that answer needs (the
SDKs), not what a one-process bot or a question without files never uses; `--help` imports
neither."""

import asyncio
import sys

LAZY = ("redis", "PIL", "pillow_heif")  # REDIS_URL only; the first image only


async def imported(*args: str) -> set[str]:
    """The top-level packages a fresh `python *args` imported (from -X importtime)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-X", "importtime", *args, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()[-2000:]
    return {line.rsplit("|", 1)[1].strip().split(".")[0]
            for line in err.decode().splitlines() if line.startswith("import time:")}


async def test_the_bot_imports_only_what_an_answer_needs():
    modules = await imported("-c", "import bot.app")
    assert {"anthropic", "slack_bolt", "sqlalchemy"} <= modules
    assert not modules & set(LAZY)


async def test_help_imports_no_sdk():
    modules = await imported("-m", "bot", "--help")
    assert not modules & {"anthropic", "slack_bolt", "slack_sdk", "sqlalchemy", "aiohttp", *LAZY}
