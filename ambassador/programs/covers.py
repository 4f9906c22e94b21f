"""Cover images: JPEG, PNG or WebP uploads, checked and re-encoded as WebP with Pillow.

Re-encoding keeps only pixels (no metadata, no scripts, no polyglot files), and the
limits are checked on the header before any pixel is decoded, so a decompression bomb
is refused without being expanded.
"""

import io
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ambassador.extensions import db
from ambassador.programs.models import Program, ProgramCover
from ambassador.programs.rules import ProgramError
from ambassador.utils import utcnow

FORMATS = ("JPEG", "PNG", "WEBP")
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 7,700 × 5,200
BOX = (1600, 900)  # the largest cover we keep
QUALITY = 82


class CoverError(ProgramError):
    """The uploaded file cannot be a cover; the message says why."""


def reencode(data: bytes) -> tuple[bytes, int, int]:
    """Return (WebP bytes, width, height) for an uploaded image, or raise CoverError."""
    if not data:
        raise CoverError(_("The image file is empty."))
    if len(data) > MAX_BYTES:
        raise CoverError(_("The image is %(size).1f MB: a cover has at most %(max)d MB.",
                           size=len(data) / 1024 / 1024, max=MAX_BYTES // 1024 // 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise CoverError(_("The image is %(w)d × %(h)d pixels: too large for a cover.",
                                   w=width, h=height))
            image.load()
    except CoverError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, OSError, ValueError, SyntaxError) as exc:
        raise CoverError(_("This file is not a JPEG, PNG or WebP image we can read.")) from exc
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    image.thumbnail(BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=QUALITY, method=4)
    return out.getvalue(), image.width, image.height


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)


def set_cover(program: Program, data: bytes) -> ProgramCover:
    """Store the re-encoded image as the program's cover (flush, no commit)."""
    webp, width, height = reencode(data)
    cover = db.session.get(ProgramCover, program.id)
    if cover is None:
        cover = ProgramCover(program_id=program.id, data=webp, width=width, height=height)
        db.session.add(cover)
    else:
        cover.data, cover.width, cover.height, cover.updated_at = webp, width, height, utcnow()
    program.has_cover = True
    db.session.flush()
    return cover


def remove_cover(program: Program) -> None:
    """Drop the program's cover."""
    cover = db.session.get(ProgramCover, program.id)
    if cover is not None:
        db.session.delete(cover)
    program.has_cover = False
    db.session.flush()
