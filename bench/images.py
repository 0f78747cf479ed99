"""Image normalisation figures: a 12-megapixel JPEG photo and a 4000×3000 PNG
screenshot, each turned into an image block (`prepare_image(data).block()`).

Every case runs in a fresh Python process, so its peak memory is its own: the child imports the
bot's image code, reads the input, resets the kernel's peak-RSS mark (/proc/self/clear_refs),
then converts the image RUNS times. `ms` is the median wall time, `extra_mb` the peak RSS above
the resident size just before the first conversion.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from bench.markdown import markdown_table

RUNS = 5
ROOT = Path(__file__).resolve().parent.parent


def photo_jpeg(size: tuple[int, int] = (4032, 3024)) -> bytes:
    """A phone-camera-like photo: smooth gradients in each channel plus sensor-like noise, saved
    at quality 90 (≈ what phones write)."""
    gradient = Image.linear_gradient("L")
    channels = [gradient.resize(size), Image.radial_gradient("L").resize(size),
                gradient.rotate(90).resize(size)]
    noisy = [ImageChops.add(c, Image.effect_noise(size, 10), 1.0, -128) for c in channels]
    out = io.BytesIO()
    Image.merge("RGB", noisy).save(out, "JPEG", quality=90)
    return out.getvalue()


def screenshot_png(size: tuple[int, int] = (4000, 3000)) -> bytes:
    """A desktop-app-like screenshot: flat panels, a sidebar, a header and rows of real
    (anti-aliased) text."""
    width, height = size
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 520, height), fill=(63, 14, 64))  # sidebar
    draw.rectangle((520, 0, width, 110), fill=(240, 240, 242))  # header
    draw.rectangle((600, height - 260, width - 80, height - 80), outline=(200, 200, 205),
                   width=4, fill=(250, 250, 250))  # message box
    font = ImageFont.load_default(size=30)
    rng = random.Random(7)
    for y in range(160, height - 320, 46):
        line = " ".join("".join(rng.choices("etaoinshrdlucmfw", k=rng.randint(2, 11)))
                        for _ in range(rng.randint(6, 28)))
        draw.text((600, y), line.capitalize(), fill=(29, 28, 29), font=font)
        if y < height - 800:
            draw.text((40, y), "# channel-" + str(y), fill=(220, 210, 220), font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


CASES = {
    "12 MP JPEG photo (4032×3024, q90)": photo_jpeg,
    "4000×3000 PNG screenshot": screenshot_png,
}


def run() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case, make in CASES.items():
            path = Path(tmp) / "input"
            path.write_bytes(make())
            child = subprocess.run(
                [sys.executable, "-c", "import bench.images as b; b._child()", str(path)],
                cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
            rows.append({"case": case, **json.loads(child.stdout)})
    return rows


def table(rows: list[dict]) -> str:
    return markdown_table(
        ["image", "block in (median of 5)", "extra peak memory", "sent as", "tokens", "bytes"],
        ([r["case"], f"{r['ms']:.0f} ms", f"{r['extra_mb']:.0f} MB",
          f"{r['media_type']} {r['out_w']}×{r['out_h']}", f"{r['tokens']:,}",
          f"{r['bytes']:,}"] for r in rows))


def _child() -> None:
    """In the fresh process: convert the file named in argv RUNS times and print the figures."""
    from bot.attachments.images import prepare_image

    Image.init()  # plugin registration is a one-off a running bot has already paid
    data = Path(sys.argv[1]).read_bytes()
    _reset_peak()
    base_kb = _status_kb("VmHWM")
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        prepared = prepare_image(data)
        block = prepared.block()
        times.append(time.perf_counter() - start)
        del block
    extra_mb = (_status_kb("VmHWM") - base_kb) / 1024
    print(json.dumps({
        "ms": statistics.median(times) * 1000, "extra_mb": extra_mb,
        "out_w": prepared.width, "out_h": prepared.height, "media_type": prepared.media_type,
        "tokens": prepared.tokens, "bytes": len(prepared.data)}))


def _reset_peak() -> None:
    """Make VmHWM equal the current RSS, so imports and reading the file do not count."""
    # If the kernel refuses, VmHWM before is the start-up peak, which is close to the RSS anyway.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _status_kb(field: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # the same peak, never reset
