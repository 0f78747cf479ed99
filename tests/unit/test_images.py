"""Image normalisation: a corpus of real-world cases built here, in memory, with
Pillow and pillow-heif — orientation, odd modes, animation, HEIC, bombs, broken and fake files."""

from __future__ import annotations

import base64
import io
import math
import random
import resource
import struct
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFile, PngImagePlugin, features

from bot.attachments import images
from bot.attachments.images import (
    MAX_BYTES,
    MAX_EDGE,
    MAX_PIXELS,
    ImageError,
    PreparedImage,
    prepare_image,
)

RED, GREEN, BLUE, YELLOW, GREY = (230, 20, 20), (20, 200, 20), (20, 20, 230), (240, 220, 0), 128
FORMAT_OF = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
# What a viewer does for each EXIF orientation is undone here: the stored pixels of an upright
# picture are the picture transformed by the inverse of the display transform.
STORED = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
          6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
          8: Image.Transpose.ROTATE_270}


# ---- helpers -------------------------------------------------------------------------------

def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def quadrants(size: tuple[int, int]) -> Image.Image:
    """Upright test card: red top-left, green top-right, blue bottom-left, yellow bottom-right."""
    w, h = size
    card = Image.new("RGB", size)
    for colour, box in ((RED, (0, 0, w // 2, h // 2)), (GREEN, (w // 2, 0, w, h // 2)),
                        (BLUE, (0, h // 2, w // 2, h)), (YELLOW, (w // 2, h // 2, w, h))):
        card.paste(colour, box)
    return card


def stored_as(upright: Image.Image, orientation: int) -> Image.Image:
    method = STORED[orientation]  # FLIP_LEFT_RIGHT is 0: compare with None, not truthiness
    return upright.copy() if method is None else upright.transpose(method)


def exif(orientation: int) -> bytes:
    tags = Image.Exif()
    tags[0x0112] = orientation
    return tags.tobytes()


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    return Image.frombytes(mode, size, random.Random(1).randbytes(
        size[0] * size[1] * len(mode)))


def close(pixel, colour, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def checked(data: bytes) -> tuple[PreparedImage, Image.Image]:
    """Prepare `data` and check every promise of docs/behaviour.md against the source size."""
    source = Image.open(io.BytesIO(data))
    src_w, src_h = source.size
    # Pillow's TIFF plugin and pillow-heif already report (and decode) the upright size.
    if source.getexif().get(0x0112, 1) in (5, 6, 7, 8) and source.format not in ("HEIF", "TIFF"):
        src_w, src_h = src_h, src_w
    prepared = prepare_image(data)
    assert len(prepared.data) <= MAX_BYTES
    assert max(prepared.width, prepared.height) <= MAX_EDGE
    assert prepared.width * prepared.height <= MAX_PIXELS
    assert prepared.width <= src_w and prepared.height <= src_h  # never upscaled
    scale = min(1.0, MAX_EDGE / max(src_w, src_h), math.sqrt(MAX_PIXELS / (src_w * src_h)))
    for got, full in ((prepared.width, src_w), (prepared.height, src_h)):
        assert full * scale - 1 <= got <= full * scale + 1e-6 or got == 1  # aspect, no smaller
    assert prepared.tokens == math.ceil(prepared.width * prepared.height / 750)
    block = prepared.block()
    assert block["type"] == "image" and block["source"]["type"] == "base64"
    assert block["source"]["media_type"] == prepared.media_type
    raw = base64.b64decode(block["source"]["data"], validate=True)
    assert raw == prepared.data
    out = Image.open(io.BytesIO(raw))
    assert out.format == FORMAT_OF[prepared.media_type]
    assert out.size == (prepared.width, prepared.height)
    out.load()
    return prepared, out


def corners(image: Image.Image) -> list[tuple]:
    rgb = image.convert("RGB")
    w, h = rgb.size
    return [rgb.getpixel((x, y)) for x, y in ((w // 8, h // 8), (w - 1 - w // 8, h // 8),
                                               (w // 8, h - 1 - h // 8),
                                               (w - 1 - w // 8, h - 1 - h // 8))]


def assert_upright(image: Image.Image) -> None:
    got = corners(image)
    assert all(close(p, c) for p, c in zip(got, (RED, GREEN, BLUE, YELLOW), strict=True)), got


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int, bit_depth: int = 8, rows: int = 1) -> bytes:
    """A PNG whose header says width×height (greyscale) but that holds only `rows` rows."""
    row = b"\0" + b"\0" * math.ceil(width * bit_depth / 8)
    body = zlib.compress(row * rows)
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0))
            + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b""))


# ---- orientation ---------------------------------------------------------------------------

@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_exif_orientations_come_out_upright(orientation):
    upright = quadrants((240, 160))
    data = encode(stored_as(upright, orientation), "JPEG", quality=95, exif=exif(orientation))
    prepared, out = checked(data)
    assert (prepared.width, prepared.height) == (240, 160)
    assert_upright(out)
    if orientation == 1:
        assert prepared.data == data  # nothing to do: sent as it is


@pytest.mark.parametrize("orientation", [6, 8])
def test_big_rotated_phone_photo_is_downscaled_and_upright(orientation):
    data = encode(stored_as(quadrants((4032, 3024)), orientation), "JPEG", exif=exif(orientation))
    prepared, out = checked(data)
    assert (prepared.width, prepared.height) == (1238, 928)
    assert_upright(out)


@pytest.mark.parametrize("fmt, options", [
    ("PNG", {}), ("WEBP", {"lossless": True}), ("TIFF", {}),
])
@pytest.mark.parametrize("orientation", [3, 6])
def test_exif_orientation_in_png_webp_and_tiff(fmt, options, orientation):
    data = encode(stored_as(quadrants((200, 120)), orientation), fmt, exif=exif(orientation),
                  **options)
    prepared, out = checked(data)
    assert (prepared.width, prepared.height) == (200, 120)
    assert_upright(out)


@pytest.mark.parametrize("form", ['tiff:Orientation="6"', "<tiff:Orientation>6</tiff:Orientation>"])
def test_xmp_only_orientation_in_png(form):
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description {form if "=" in form else ""}>'
    xmp += (form if "=" not in form else "") + "</rdf:Description></x:xmpmeta>"
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp)
    data = encode(stored_as(quadrants((200, 120)), 6), "PNG", pnginfo=info)
    _, out = checked(data)
    assert out.size == (200, 120)
    assert_upright(out)


def test_iphone_heic_is_converted_and_not_rotated_twice():
    # An iPhone-sized photo stored sideways with orientation 6, as phones write it: libheif
    # turns it upright when decoding, so applying EXIF again would turn it sideways.
    size = (4032, 3024)
    ramp = Image.linear_gradient("L")
    photo = Image.merge("RGB", [ramp.resize(size), ramp.rotate(90).resize(size),
                                Image.radial_gradient("L").resize(size)])
    marked = quadrants(size)
    for x, y in ((0, 0), (size[0] - 700, 0), (0, size[1] - 700), (size[0] - 700, size[1] - 700)):
        photo.paste(marked.crop((x, y, x + 700, y + 700)), (x, y))
    data = encode(stored_as(photo, 6), "HEIF", quality=10, exif=exif(6),
                  enc_params={"preset": "ultrafast"})
    assert Image.open(io.BytesIO(data)).format == "HEIF"
    prepared, out = checked(data)
    assert (prepared.media_type, prepared.width, prepared.height) == ("image/jpeg", 1238, 928)
    got = [out.getpixel(p) for p in ((20, 20), (1217, 20), (20, 907), (1217, 907))]
    assert all(close(p, c) for p, c in zip(got, (RED, GREEN, BLUE, YELLOW), strict=True)), got


# ---- colour modes --------------------------------------------------------------------------

def test_cmyk_jpeg_becomes_rgb():
    card = Image.new("CMYK", (300, 200), (0, 255, 255, 0))  # pure red in CMYK
    card.paste((255, 0, 255, 0), (150, 0, 300, 200))  # pure green
    prepared, out = checked(encode(card, "JPEG", quality=95))
    assert out.mode == "RGB" and prepared.media_type == "image/jpeg"
    assert close(out.getpixel((40, 100)), (255, 0, 0)) and close(out.getpixel((260, 100)),
                                                                (0, 255, 0))


def test_16_bit_png_is_scaled_to_8_bits_not_clipped():
    ramp = Image.linear_gradient("L").resize((256, 256)).convert("I").point(lambda v: v * 257)
    data = encode(ramp.convert("I;16"), "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    _, out = checked(data)
    grey = out.convert("L")
    assert grey.getpixel((10, 2)) <= 3 and grey.getpixel((10, 128)) in range(124, 133)
    assert grey.getpixel((10, 255)) >= 252


@pytest.mark.parametrize("mode, values, expected", [
    ("F", (0.0, 0.5, 1.0), (0, 128, 255)),  # float 0–1, as scientific TIFFs store it
    ("I", (-1000, 0, 1000), (0, 128, 255)),  # signed 32-bit: stretched over its own range
    ("I", (0, 100, 200), (0, 100, 200)),  # already 8-bit values in a wide container
])
def test_wide_greyscale_tiffs_are_scaled_sensibly(mode, values, expected):
    strip = Image.new(mode, (30, 10))
    for i, value in enumerate(values):
        strip.paste(value, (i * 10, 0, i * 10 + 10, 10))
    _, out = checked(encode(strip, "TIFF"))
    got = [out.convert("L").getpixel((i * 10 + 5, 5)) for i in range(3)]
    assert all(abs(g - e) <= 1 for g, e in zip(got, expected, strict=True)), got


def palette_with_hole(size: tuple[int, int]) -> Image.Image:
    card = Image.new("P", size, 1)
    card.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    card.paste(0, (0, 0, size[0] // 2, size[1]))  # left half: the transparent index
    return card


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_small_palette_image_with_transparency_is_sent_as_it_is(fmt):
    data = encode(palette_with_hole((300, 200)), fmt, transparency=0)
    prepared, out = checked(data)
    assert prepared.data == data and prepared.media_type == f"image/{fmt.lower()}"


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_big_palette_image_keeps_its_transparency(fmt):
    prepared, out = checked(encode(palette_with_hole((3000, 2000)), fmt, transparency=0))
    assert prepared.media_type == "image/png" and (prepared.width, prepared.height) == (1313, 875)
    rgba = out.convert("RGBA")
    assert rgba.getpixel((100, 400))[3] == 0
    assert close(rgba.getpixel((1200, 400)), (200, 30, 30, 255), 2)


def test_greyscale_with_alpha():
    la = Image.new("LA", (2000, 1000), (90, 255))
    la.paste((90, 0), (0, 0, 1000, 1000))
    prepared, out = checked(encode(la, "PNG"))
    assert prepared.media_type == "image/png" and out.mode == "LA"
    assert out.getpixel((100, 300))[1] == 0 and out.getpixel((1400, 300)) == (90, 255)
    small = encode(la.resize((200, 100)), "PNG")
    assert prepare_image(small).data == small


def test_fully_opaque_alpha_is_dropped():
    rgba = quadrants((2400, 1600)).convert("RGBA")
    prepared, out = checked(encode(rgba, "PNG"))
    assert out.mode == "RGB"
    assert_upright(out)


def test_png_too_big_for_the_limit_falls_back_to_jpeg_flattened_on_white():
    size = (1072, 1072)  # at the pixel limit: no resize, but RGBA noise is ~4.6 MB as PNG
    rgba = noise(size, "RGBA")
    alpha = Image.new("L", size, 255)
    alpha.paste(0, (0, 0, 536, 1072))
    rgba.putalpha(alpha)
    prepared, out = checked(encode(rgba, "TIFF"))
    assert prepared.media_type == "image/jpeg" and out.mode == "RGB"
    assert close(out.getpixel((100, 500)), (255, 255, 255), 3)


def test_jpeg_quality_is_lowered_until_it_fits(monkeypatch):
    monkeypatch.setattr(images, "MAX_BYTES", 250_000)
    prepared = prepare_image(encode(noise((800, 600)), "BMP"))
    assert prepared.media_type == "image/jpeg" and len(prepared.data) <= 250_000
    monkeypatch.setattr(images, "MAX_BYTES", 1_000)
    with pytest.raises(ImageError, match="small enough"):
        prepare_image(encode(noise((800, 600)), "BMP"))


# ---- animation and containers ---------------------------------------------------------------

@pytest.mark.parametrize("fmt, options", [
    ("GIF", {}), ("WEBP", {"lossless": True}), ("PNG", {}),  # PNG + save_all = APNG
])
def test_animated_images_keep_their_first_frame(fmt, options):
    frames = [Image.new("RGB", (120, 80), colour) for colour in (RED, GREEN, BLUE)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100,
                  loop=0, **options)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    prepared, out = checked(data)
    assert prepared.data != data and prepared.media_type == "image/png"  # never animated
    assert close(out.convert("RGB").getpixel((60, 40)), RED, 2)


def test_mpo_from_a_camera_keeps_its_first_picture():
    frames = [quadrants((320, 240)), Image.new("RGB", (320, 240), GREEN)]
    data = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    prepared, out = checked(data)
    assert prepared.media_type == "image/jpeg"
    assert_upright(out)


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO", "PPM", "TGA"]
                         + (["AVIF"] if features.check("avif") else []))
def test_other_formats_are_converted(fmt):
    card = quadrants((128, 96))
    prepared, out = checked(encode(card, fmt))
    assert prepared.media_type in ("image/png", "image/jpeg")
    assert_upright(out.resize(card.size))


# ---- what passes through untouched ------------------------------------------------------------

@pytest.mark.parametrize("fmt, options", [
    ("JPEG", {"quality": 80}), ("PNG", {}), ("WEBP", {"quality": 80}), ("GIF", {}),
])
def test_small_images_in_accepted_formats_pass_through_byte_identical(fmt, options):
    data = encode(quadrants((300, 200)), fmt, **options)
    prepared, _ = checked(data)
    assert prepared.data == data and FORMAT_OF[prepared.media_type] == fmt
    assert (prepared.width, prepared.height, prepared.tokens) == (300, 200, 80)


def test_largest_image_within_the_limits_passes_through():
    data = encode(quadrants((784, 1466)), "JPEG")
    assert prepare_image(data).data == data
    wider = encode(quadrants((1569, 100)), "JPEG")
    assert prepare_image(wider).width == 1568


# ---- screenshots and photos -----------------------------------------------------------------

def test_big_screenshot_stays_png():
    shot = Image.new("RGB", (4000, 3000), "white")
    draw = ImageDraw.Draw(shot)
    draw.rectangle((0, 0, 500, 3000), fill=(63, 14, 64))
    draw.rectangle((500, 0, 4000, 120), fill=(240, 240, 242))
    for y in range(200, 2800, 40):
        for x in range(600, 3800, 260):
            draw.rectangle((x, y, x + 60 + (x * y) % 180, y + 18), fill=(29, 28, 29))
    prepared, out = checked(encode(shot, "PNG", compress_level=1))
    assert (prepared.media_type, prepared.width, prepared.height) == ("image/png", 1238, 928)
    assert out.getpixel((10, 500)) == (63, 14, 64)


def test_noisy_photo_becomes_jpeg():
    size = (2400, 1600)
    ramp = Image.linear_gradient("L").resize(size)
    photo = Image.blend(Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_180),
                                            ramp)), noise(size), 0.2)
    prepared, _ = checked(encode(photo, "BMP"))
    assert (prepared.media_type, prepared.width, prepared.height) == ("image/jpeg", 1313, 875)


def test_extreme_aspect_ratio_keeps_at_least_one_pixel():
    prepared, _ = checked(encode(Image.new("L", (30000, 8), 200), "PNG"))
    assert (prepared.width, prepared.height) == (1568, 1)


# ---- hostile, broken and fake files ----------------------------------------------------------

@pytest.mark.parametrize("width, height", [(20000, 20000), (8000, 8000), (65535, 65535)])
def test_huge_dimensions_are_refused_fast_without_decoding(width, height, monkeypatch):
    loads = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: loads.append(self))
    data = png_claiming(width, height)
    assert len(data) < 1000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(ImageError, match="too large to decode safely"):
        prepare_image(data)
    assert time.perf_counter() - start < 1.0
    assert not loads
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KB


def bomb() -> bytes:
    # 144 megapixels of 1-bit PNG that really decode (every row is there) in 18 KB: between
    # Pillow's warning and error limits, so only our own header check stops it.
    return png_claiming(12000, 12000, bit_depth=1, rows=12000)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_is_refused_fast():
    data = bomb()
    assert len(data) < 50_000
    start = time.perf_counter()
    with pytest.raises(ImageError, match=r"too large to decode safely \(144 megapixels\)"):
        prepare_image(data)
    assert time.perf_counter() - start < 1.0


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_warning_raised_as_error_is_an_image_error():
    with pytest.raises(ImageError, match="too large to decode safely"):
        prepare_image(bomb())


def test_gif_bomb_is_refused():
    header = b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00\x00\x00"
    image = b"," + struct.pack("<HHHH", 0, 0, 65535, 65535) + b"\x00\x02\x02\x4c\x01\x00;"
    with pytest.raises(ImageError, match="too large"):
        prepare_image(header + image)


def photo_bytes() -> bytes:
    return encode(noise((400, 300)), "JPEG", quality=90)


@pytest.mark.parametrize("name, data", [
    ("truncated jpeg", photo_bytes()[: len(photo_bytes()) // 2]),
    ("jpeg header only", photo_bytes()[:600]),
    ("truncated png", encode(noise((300, 200)), "PNG")[:20_000]),
    ("png without data", png_claiming(300, 200, rows=0)),
    ("corrupt png data", png_claiming(300, 200, rows=0)[:33]
     + png_chunk(b"IDAT", b"\x78\x9c" + b"\xff" * 40) + png_chunk(b"IEND", b"")),
    ("png signature then junk", b"\x89PNG\r\n\x1a\n" + b"\x13" * 100),
    ("zero-width gif", b"GIF89a\x00\x00\x10\x00\x00\x00\x00,\x00\x00\x00\x00\x00\x00\x10\x00"
                       b"\x00\x02\x02\x4c\x01\x00;"),
    ("empty", b""),
])
def test_broken_files_are_refused_with_an_image_error(name, data):
    with pytest.raises(ImageError) as caught:
        prepare_image(data)
    assert str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("data", [
    b"Hello, this is just notes.txt saved as photo.png\n",
    b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n",
    b"<!DOCTYPE html><html lang=\"en\"><head><title>Slack</title></head><body>"
    b"<h1>Sign in to your workspace</h1><form action=\"/signin\"></form></body></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>',
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",  # never to Ghostscript
    bytes(range(256)) * 4,
])
def test_non_images_named_like_images_are_refused(data):
    with pytest.raises(ImageError, match="not an image Claude can read"):
        prepare_image(data)


# ---- properties -----------------------------------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(width=st.integers(1, 2500), height=st.integers(1, 2500),
       mode=st.sampled_from(["RGB", "RGBA", "L", "LA", "P", "1", "I;16", "CMYK"]),
       fmt=st.sampled_from(["PNG", "TIFF", "JPEG", "WEBP", "GIF", "BMP"]),
       orientation=st.sampled_from([1, 3, 6, 8]))
def test_any_size_and_mode_ends_within_the_limits(width, height, mode, fmt, orientation):
    image = Image.new(mode, (width, height))
    ImageDraw.Draw(image).line((0, 0, width, height), fill=1 if mode in ("1", "P") else 200)
    try:
        data = encode(image, fmt, exif=exif(orientation))
    except (OSError, ValueError, KeyError):  # this format cannot store this mode
        return
    checked(data)
