"""Photos: real images only, re-encoded with no metadata; hostile files get a clear message."""

import io
import struct
import zlib

import pytest
from PIL import Image

from ambassador.testimonials.photos import MAX_BYTES, SIZE, PhotoRefused, process_photo
from tests.testimonials.conftest import image_bytes


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (800, 600), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"<script>alert(1)</script>")
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepted_formats_come_out_as_a_small_square_jpeg(app, fmt):
    with app.test_request_context():
        photo = process_photo(image_bytes(fmt, size=(900, 500)))
    image = Image.open(io.BytesIO(photo.data))
    assert image.format == "JPEG" and image.size == (SIZE, SIZE)
    assert photo.mimetype == "image/jpeg" and len(photo.digest) == 16


def test_no_metadata_or_appended_script_survives(app):
    raw = _jpeg_with_exif() + b"<script>alert('appended')</script>"
    assert b"SpyCam" in raw
    with app.test_request_context():
        photo = process_photo(raw)
    assert b"SpyCam" not in photo.data and b"script" not in photo.data
    image = Image.open(io.BytesIO(photo.data))
    assert not image.getexif() and "comment" not in image.info and "exif" not in image.info


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size (a decompression bomb)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.mark.parametrize(("raw", "message"), [
    (b"", "empty"),
    (b"GIF89a" + b"\x00" * 100, "readable"),
    (b"%PDF-1.7 not an image", "readable"),
    (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'></svg>", "SVG"),
    (b"<svg onload=alert(1)></svg>", "SVG"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "readable"),
    (_png_claiming(50_000, 50_000), "too large"),
    (b"\xff\xd8\xff" + b"\x00" * (MAX_BYTES + 1), "larger than 5 MB"),
])
def test_hostile_or_wrong_files_are_refused_clearly(app, raw, message):
    with app.test_request_context(), pytest.raises(PhotoRefused, match=message):
        process_photo(raw)


def test_a_gif_is_refused_as_not_accepted(app):
    with app.test_request_context(), pytest.raises(PhotoRefused, match="JPEG, PNG or WebP"):
        process_photo(image_bytes("GIF"))
