"""The policy file: every key optional, and every mistake said in one line naming the file, the
key (or the line) and the fix."""

from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.policy.rules import Limits, Policy, PolicyError, parse_policy, read_policy

ROOT = Path(__file__).resolve().parents[2]
MODEL = "claude-sonnet-5-5"


def parse(text: str, model: str = MODEL, prices=None) -> Policy:
    return parse_policy(text.encode(), "policy.toml", model, prices)


def test_empty_file_is_the_default_policy():
    policy = parse("")
    assert policy == Policy(source="policy.toml")
    assert (policy.dms, policy.external_users, policy.shared_channels) == (True, False, False)
    assert policy.timezone is UTC and policy.limits == Limits()


def test_the_example_file_reads():
    policy = read_policy(str(ROOT / "policy.example.toml"), MODEL)
    assert policy.admins == {"U0ADMIN01"}
    assert policy.timezone == ZoneInfo("Europe/Berlin")
    assert policy.limits == Limits(5.0, 50.0, 200.0, 1000.0, 150_000)
    support = policy.rules_for("C0SUPPORT")
    assert (support.model, support.max_tokens) == ("claude-opus-5-5", 16000)
    assert support.limits == Limits(user_daily=20.0)
    assert policy.rules_for("C0OTHER").model is None


@pytest.mark.parametrize(("text", "message"), [
    ("[limits]\nuser_dayly = 5\n",
     "policy.toml: `limits.user_dayly` is not a known key: did you mean `limits.user_daily`? "
     "Fix or remove it."),
    ("admin = ['U0ADMIN']\n",
     "policy.toml: `admin` is not a known key: did you mean `admins`? Fix or remove it."),
    ("[channel.C0123]\nmodle = 'claude-opus-5-5'\n",
     "policy.toml: `channel.C0123.modle` is not a known key: did you mean "
     "`channel.C0123.model`? Fix or remove it."),
    ("[access]\ndms = 'yes'\n",
     "policy.toml: `access.dms` must be true or false, not 'yes'."),
    ("[limits]\nuser_daily = -5\n",
     "policy.toml: `limits.user_daily` is negative (-5): set an amount of US dollars of 0 or "
     "more, or remove the key for no limit."),
    ("[limits]\nuser_monthly = '50'\n",
     "policy.toml: `limits.user_monthly` must be an amount of US dollars such as 5.0, "
     "not '50'."),
    ("[limits]\nrequest_tokens = 1.5\n",
     "policy.toml: `limits.request_tokens` must be a whole number of tokens of at least 1, "
     "not 1.5."),
    ("[channel.C0123]\nmax_tokens = 500000\n",
     "policy.toml: `channel.C0123.max_tokens` must be a whole number of tokens of at least 1 "
     "up to 128,000, not 500000."),
    ("[access]\nusers = ['alice']\n",
     "policy.toml: `access.users` has 'alice', which is not a Slack user ID: use member IDs "
     "like U0123ABCD or W0123ABCD (profile → ⋮ → Copy member ID)."),
    ("[access]\nblocked_channels = ['#general']\n",
     "policy.toml: `access.blocked_channels` has '#general', which is not a Slack channel ID: "
     "use channel IDs like C0123ABCD (channel details → bottom of About), G… for private "
     "groups or D… for direct messages."),
    ("[access]\nchannels = 'C0123'\n",
     "policy.toml: `access.channels` must be a list of Slack channel IDs in quotes, "
     "not 'C0123'."),
    ("[channel.general]\nmodel = 'claude-opus-5-5'\n",
     "policy.toml: `channel.general` does not name a Slack channel ID: write the table as "
     "[channel.C0123ABCD] with the channel's ID (channel details → bottom of About)."),
    ("timezone = 'Europe/Berln'\n",
     "policy.toml: `timezone` 'Europe/Berln' is not an IANA time zone name: did you mean "
     "Europe/Berlin? Fix it, or remove it for UTC."),
    ("timezone = '+02:00'\n",
     "policy.toml: `timezone` '+02:00' is not an IANA time zone name: use one such as "
     "Europe/Berlin, or remove it for UTC."),
    ("limits = 5\n",
     "policy.toml: `limits` must be a table ([limits]), not 5."),
    ("[channel.C0123]\nworkspace_monthly = 5.0\n",
     "policy.toml: `channel.C0123.workspace_monthly` is not a known key: did you mean "
     "`channel.C0123.user_monthly`? Fix or remove it."),
])
def test_each_mistake_names_the_file_the_key_and_the_fix(text, message):
    with pytest.raises(PolicyError) as error:
        parse(text)
    assert str(error.value) == message


def test_bad_toml_names_the_line():
    with pytest.raises(PolicyError) as error:
        parse("admins = ['U0ADMIN']\n\n[limits\nuser_daily = 5\n")
    assert str(error.value).startswith("policy.toml: line 3 is not valid TOML (")
    assert str(error.value).endswith("): fix that line.")


def test_unknown_price_with_a_dollar_limit():
    with pytest.raises(PolicyError) as error:
        parse("[limits]\nuser_daily = 5\n", model="my-model")
    assert str(error.value) == (
        "policy.toml: the model 'my-model' (CLAUDE_MODEL) has no known price while "
        "`limits.user_daily` is set: add its price to CLAUDE_PRICES, or remove the dollar "
        "limits.")
    with pytest.raises(PolicyError) as error:
        parse("[limits]\nworkspace_monthly = 5\n[channel.C0123]\nmodel = 'claude-new-9'\n")
    assert str(error.value) == (
        "policy.toml: the model 'claude-new-9' (`channel.C0123.model`) has no known price "
        "while `limits.workspace_monthly` is set: add its price to CLAUDE_PRICES, or remove "
        "the dollar limits.")
    # Priced by CLAUDE_PRICES, or no dollar limit at all: fine.
    parse("[limits]\nuser_daily = 5\n", model="my-model",
          prices={"my-model": {"input": 1, "output": 2}})
    parse("[limits]\nrequest_tokens = 1000\n", model="my-model")


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(PolicyError) as error:
        read_policy(str(missing), MODEL)
    assert str(error.value) == (f"CLAUDE_POLICY names {missing}, which does not exist: create "
                                "it (see policy.example.toml) or unset CLAUDE_POLICY.")


def test_not_utf8():
    with pytest.raises(PolicyError, match=r"^policy.toml is not UTF-8 text: save it as UTF-8"):
        parse_policy(b"admins = ['\xff']", "policy.toml", MODEL)
