"""Untrusted image bytes → an image Claude reads well.

Decoded from the bytes alone (never the declared mimetype or name), turned upright, reduced to the
first frame and 8-bit colour, downscaled to Claude's no-resize limits and encoded as JPEG or PNG,
or passed through untouched when it already fits. Pure and thread-safe: no global Pillow settings
are changed, so it can run in `asyncio.to_thread`.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()  # HEIC/HEIF from iPhones; returns pixels already upright

MAX_EDGE = 1568  # Claude downscales anything larger itself (slower, no better)
MAX_PIXELS = 1_150_000  # ≈ 1,530 image tokens
MAX_BYTES = 3_750_000  # raw, so the base64 stays under the API's 5 MB per image
# Refused from the header, before any pixel is decoded. 50 MP fits 48 MP phone cameras
# (8064×6048) and bounds a full decode to ~200 MB even at 4 bytes per pixel (RGBA, CMYK, I, F).
# Pillow's own limit (89 MP warning, 179 MP error) stays in force underneath.
MAX_DECODE_PIXELS = 50_000_000

JPEG_QUALITIES = (85, 75, 60, 45, 30)  # first is the normal one; the rest only if too big
# Photo or screenshot? Count the colours of a ≤256×256 nearest-neighbour sample (no blending, so
# anti-aliased text adds few new colours): screenshots, diagrams and palette images stay far below
# this, photos have tens of thousands.
PNG_MAX_COLOURS = 1024
_SAMPLE_EDGE = 256

_REFUSED_FORMATS = {"EPS"}  # Pillow would hand the bytes to Ghostscript
_SENDABLE = {  # format → (media type, modes Claude's decoders take as they are)
    "JPEG": ("image/jpeg", {"L", "RGB"}),
    "PNG": ("image/png", {"1", "L", "LA", "P", "RGB", "RGBA"}),
    "GIF": ("image/gif", {"L", "P"}),
    "WEBP": ("image/webp", {"RGB", "RGBA"}),
}
_TRANSPOSE = {  # EXIF orientation → the transposition that makes the pixels upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class ImageError(ValueError):
    """The bytes are not an image we can send; str(error) is a short reason for users."""


@dataclass(frozen=True)
class PreparedImage:
    media_type: str  # of `data`: image/jpeg, image/png, image/gif or image/webp
    data: bytes = field(repr=False)  # always ≤ MAX_BYTES
    width: int
    height: int

    @property
    def tokens(self) -> int:
        return math.ceil(self.width * self.height / 750)

    def block(self) -> dict:
        source = {"type": "base64", "media_type": self.media_type,
                  "data": base64.b64encode(self.data).decode("ascii")}
        return {"type": "image", "source": source}


def prepare_image(data: bytes) -> PreparedImage:
    """Decode, orient, downscale and encode `data`; raises ImageError for anything unusable."""
    image, fmt, orientation, size, keep = _decode(data)
    if keep:
        return PreparedImage(_SENDABLE[fmt][0], data, image.width, image.height)
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if orientation in _TRANSPOSE:  # after the resize: transposing the small image is cheaper
        image = image.transpose(_TRANSPOSE[orientation])
    image = _drop_opaque_alpha(image)
    media_type, encoded = _encode(image, photo=fmt in ("JPEG", "MPO"))
    return PreparedImage(media_type, encoded, image.width, image.height)


def _decode(data: bytes) -> tuple[Image.Image, str, int | None, tuple[int, int], bool]:
    """The first frame, loaded and in L, LA, RGB or RGBA; its format; its EXIF orientation; the
    size to scale it to (before any rotation); and whether the bytes can be sent as they are."""
    if not data:
        raise ImageError("the file is empty")
    try:
        Image.init()
        im = Image.open(io.BytesIO(data), formats=[f for f in Image.ID
                                                   if f not in _REFUSED_FORMATS])
        width, height = im.size
        if width <= 0 or height <= 0:
            raise ImageError("the image has no pixels (zero width or height)")
        if width * height > MAX_DECODE_PIXELS:
            raise _too_large(width * height)
        fmt = im.format or ""
        animated = bool(getattr(im, "is_animated", False))  # GIF: reads frame 2's header only
        target = _fit(width, height)
        if fmt in ("JPEG", "MPO") and target != (width, height):
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the target: a 12 MP photo
            # is decoded as 3 MP, in a quarter of the time and memory.
            im.draft(im.mode, target)
        im.load()  # the first frame; damaged or truncated data fails here
        # Read after load(), never applied twice: libheif (HEIF) and Pillow's TIFF plugin rotate
        # while decoding (pillow-heif resets the tag to 1, TIFF deletes it); JPEG, PNG (eXIf or
        # "Raw profile"), WebP, AVIF (irot/imir shown as EXIF) and XMP-only tags are left to us,
        # and getexif() reads all of them.
        orientation = None if fmt == "HEIF" else _orientation(im)
        keep = (fmt in _SENDABLE and im.mode in _SENDABLE[fmt][1] and not animated
                and target == (width, height) and orientation not in _TRANSPOSE
                and len(data) <= MAX_BYTES)
        return (im if keep else _to_8bit(im)), fmt, orientation, target, keep
    except ImageError:
        raise
    except Image.UnidentifiedImageError:
        raise ImageError("not an image Claude can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise _too_large(None) from None
    except Exception:  # hostile bytes make plugins raise anything: OSError, ValueError, struct…
        raise ImageError("the file is damaged or incomplete") from None


def _too_large(pixels: int | None) -> ImageError:
    amount = f" ({pixels / 1e6:,.0f} megapixels)" if pixels else ""
    return ImageError(f"the image is too large to decode safely{amount}")


def _fit(width: int, height: int) -> tuple[int, int]:
    """The largest size with the same aspect ratio within MAX_EDGE and MAX_PIXELS; never larger
    than the image."""
    scale = min(1.0, MAX_EDGE / max(width, height), math.sqrt(MAX_PIXELS / (width * height)))
    if scale >= 1.0:
        return width, height
    # Round down, with a hair of tolerance so that 1567.9999… still becomes 1568.
    w = max(1, min(MAX_EDGE, math.floor(width * scale + 1e-6)))
    h = max(1, min(MAX_EDGE, math.floor(height * scale + 1e-6)))
    while w * h > MAX_PIXELS:  # only that tolerance can overshoot, by a pixel
        w, h = (w - 1, h) if w >= h else (w, h - 1)
    assert max(w, h) <= MAX_EDGE and w * h <= MAX_PIXELS
    return w, h


def _orientation(im: Image.Image) -> int | None:
    try:
        value = im.getexif().get(0x0112)
    except Exception:  # a broken EXIF block is no reason to refuse the picture
        return None
    return value if isinstance(value, int) else None


def _to_8bit(im: Image.Image) -> Image.Image:
    """One of L, LA, RGB, RGBA; transparency (alpha, palette tRNS, colour keys) kept as alpha."""
    mode = im.mode
    if mode.startswith("I") or mode == "F":
        grey = _scale_to_l(im)
        if "transparency" in im.info:  # a 16-bit tRNS value: let Pillow match it exactly
            return Image.merge("LA", (grey, im.convert("RGBA").getchannel("A")))
        return grey
    if mode in ("L", "RGB", "LA", "RGBA") and "transparency" not in im.info:
        return im
    if mode in ("1", "La"):
        return im.convert("LA" if mode == "La" else "L")
    if mode in ("P", "PA", "RGBa", "L", "RGB") or "transparency" in im.info:
        return im.convert("RGBA")  # palette and colour-key transparency become real alpha
    return im.convert("RGB")  # CMYK (Adobe inversion already undone by Pillow), YCbCr, LAB, HSV


def _scale_to_l(im: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float greyscale → 8-bit. Values that already fit 0–255 are kept; 16-bit
    data is mapped from its full 0–65535 range and floats from 0–1, as viewers do; anything else
    (signed or scientific data) is stretched from its own minimum and maximum."""
    if im.mode != "F":
        im = im.convert("I")
    low, high = im.getextrema()
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0, 255  # inf/NaN in a float image: just clip
    elif low >= 0 and high <= (1 if im.mode == "F" else 255):
        low, high = 0, (1 if im.mode == "F" else 255)
    elif low >= 0 and high <= 65535 and im.mode == "I":
        low, high = 0, 65535
    scale = 255 / max(high - low, 1e-9)
    return im.point(lambda v: v * scale + (0.5 - low * scale)).convert("L")  # convert clips


def _drop_opaque_alpha(image: Image.Image) -> Image.Image:
    """A fully opaque alpha channel is dead weight and would force PNG."""
    if image.mode in ("LA", "RGBA") and image.getchannel("A").getextrema()[0] == 255:
        return image.convert(image.mode[:-1])
    return image


def _looks_like_photo(image: Image.Image) -> bool:
    scale = min(1.0, _SAMPLE_EDGE / max(image.size))
    sample = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))),
                          Image.Resampling.NEAREST)
    return sample.getcolors(PNG_MAX_COLOURS) is None


def _encode(image: Image.Image, photo: bool) -> tuple[str, bytes]:
    """PNG for transparency and screenshot-like images, JPEG for photos (and for any JPEG source:
    it is lossy already, PNG would only be bigger); JPEG also when the PNG is over MAX_BYTES."""
    has_alpha = image.mode in ("LA", "RGBA")
    if has_alpha or not (photo or _looks_like_photo(image)):
        encoded = _save(image, "PNG")
        if len(encoded) <= MAX_BYTES:
            return "image/png", encoded
    if has_alpha:  # JPEG has no alpha: flatten on white, as chat clients show it
        background = Image.new(image.mode[:-1], image.size, 255 if image.mode == "LA" else "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    for quality in JPEG_QUALITIES:
        encoded = _save(image, "JPEG", quality=quality)
        if len(encoded) <= MAX_BYTES:
            return "image/jpeg", encoded
    raise ImageError("the image could not be made small enough")  # ~3 bytes/pixel at q30: never


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()
