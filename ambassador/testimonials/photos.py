"""Photos: only real JPEG, PNG or WebP images, re-encoded small with no metadata left.

The upload is decoded with Pillow and drawn again into a fresh image: whatever the
file carried besides pixels (EXIF with GPS, XMP, comments, an appended script) is gone.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ambassador.utils import ServiceError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; anything larger is refused before decoding
SIZE = 320  # square, in pixels
ACCEPTED = {"JPEG", "PNG", "WEBP"}


class PhotoRefused(ServiceError):
    """The upload is not an image we accept; the message says why."""


@dataclass(frozen=True)
class Photo:
    """A re-encoded photo ready to store."""

    data: bytes
    mimetype: str
    width: int
    height: int
    digest: str


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<?xml") or text.startswith(b"<svg") or b"<svg" in text[:1024]


def process_photo(raw: bytes) -> Photo:
    """Check an uploaded photo and return it re-encoded as a SIZE×SIZE JPEG."""
    if not raw:
        raise PhotoRefused(_("The photo file is empty."))
    if len(raw) > MAX_BYTES:
        raise PhotoRefused(_("The photo is larger than %(mb)d MB: choose a smaller one.",
                             mb=MAX_BYTES // (1024 * 1024)))
    if _looks_like_svg(raw[:2048]):
        raise PhotoRefused(_("SVG images are not accepted: upload a JPEG, PNG or WebP photo."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in ACCEPTED:
                raise PhotoRefused(_("This file is not a JPEG, PNG or WebP photo."))
            width, height = image.size
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                raise PhotoRefused(_("This image is too large to process (%(w)d × %(h)d "
                                     "pixels).", w=width, h=height))
            image.load()
            image = ImageOps.exif_transpose(image)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRefused(_("This image is too large to process.")) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise PhotoRefused(_("This file is not a readable JPEG, PNG or WebP photo.")) from exc
    return _reencode(image)


def _reencode(image: Image.Image) -> Photo:
    """Draw the pixels into a new RGB image, crop it square and save it as JPEG."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    square = ImageOps.fit(image, (SIZE, SIZE), method=Image.Resampling.LANCZOS)
    clean = Image.new("RGB", square.size)
    clean.paste(square)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    data = out.getvalue()
    return Photo(data=data, mimetype="image/jpeg", width=SIZE, height=SIZE,
                 digest=hashlib.sha256(data).hexdigest()[:16])
