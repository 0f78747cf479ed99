import pytest

from bot.footer import Usage, cost_usd, footer_text, format_cost, price_for


def test_sonnet_cost_counts_every_kind_of_token():
    usage = Usage(input_tokens=1_000, output_tokens=500, cache_write=2_000, cache_read=10_000)
    # 1000*2 + 2000*2.5 + 10000*0.1 + 500*10 = 13,000 per million
    assert cost_usd("claude-sonnet-5-5", usage) == pytest.approx(0.013)


def test_one_hour_cache_writes_cost_more():
    usage = Usage(cache_write=1_000, cache_write_1h=1_000)
    assert cost_usd("claude-opus-5-5", usage) == pytest.approx(1_000 * 8 / 1e6)


def test_haiku_5_5_switches_band_above_100k_prompt_tokens():
    small = Usage(input_tokens=100_000, output_tokens=1_000)
    large = Usage(input_tokens=100_001, output_tokens=1_000)
    assert cost_usd("claude-haiku-5-5", small) == pytest.approx((100_000 * 0.1 + 500) / 1e6)
    assert cost_usd("claude-haiku-5-5", large) == pytest.approx((100_001 * 0.5 + 2_500) / 1e6)


def test_dated_ids_and_overrides():
    assert price_for("claude-haiku-4-5-20251001", 0)["input"] == 1
    assert price_for("claude-unknown", 0) is None
    override = {"claude-unknown": {"input": 7, "output": 9}}
    assert price_for("claude-unknown", 0, override)["input"] == 7


def test_footer_shows_model_tokens_cache_cost_and_time():
    text = footer_text("claude-sonnet-5-5", Usage(1_200, 340, 0, 0, 5_000), 3.456)
    assert text == "`claude-sonnet-5-5` · 6,200 in · 340 out · 5,000 cache read · $0.0063 · 3.5 s"


def test_footer_leaves_out_zero_cache_and_unknown_price():
    text = footer_text("mystery-model", Usage(10, 20), 1.0)
    assert text == "`mystery-model` · 10 in · 20 out · 1.0 s"


@pytest.mark.parametrize("cost, shown", [(0, "$0"), (0.00012, "$0.0001"), (0.5, "$0.5000"),
                                         (12.345, "$12.35")])
def test_format_cost(cost, shown):
    assert format_cost(cost) == shown


def test_footer_shows_thinking_as_part_of_the_output():
    usage = Usage(input_tokens=100, output_tokens=900, thinking_tokens=850)
    text = footer_text("mystery-model", usage, 2.0)
    assert text == "`mystery-model` · 100 in · 900 out (850 thinking) · 2.0 s"


def test_fable_5_2_has_a_price_and_mythos_5_2_none():
    usage = Usage(input_tokens=1_000, output_tokens=1_000, cache_write=1_000, cache_read=1_000)
    # 1000*8 + 1000*10 + 1000*0.2 + 1000*40 = 58,200 per million
    assert cost_usd("claude-fable-5-2", usage) == pytest.approx(0.0582)
    assert cost_usd("claude-mythos-5-2", usage) is None
