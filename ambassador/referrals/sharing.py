"""Ways to pass a link on: plain share URLs (no third-party script) and a QR code as SVG."""

from urllib.parse import quote, urlencode

import segno
from markupsafe import Markup


def share_links(url: str, text: str, subject: str) -> dict[str, str]:
    """The share URLs for mail, WhatsApp, LinkedIn and X: each opens the app, nothing loads."""
    return {
        "email": "mailto:?" + urlencode({"subject": subject, "body": f"{text}\n\n{url}"},
                                        quote_via=quote),
        "whatsapp": "https://wa.me/?" + urlencode({"text": f"{text} {url}"}, quote_via=quote),
        "linkedin": "https://www.linkedin.com/sharing/share-offsite/?"
                    + urlencode({"url": url}, quote_via=quote),
        "x": "https://x.com/intent/post?" + urlencode({"text": text, "url": url},
                                                      quote_via=quote),
    }


def qr_svg(url: str, title: str) -> Markup:
    """The link as an inline SVG QR code (drawn here, by segno; no image request, no script)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, omitsize=True, title=title, dark="#1f2333",
                          svgclass="qr-code", lineclass="qr-line")
    # segno escapes the title; the rest is numbers and fixed markup.
    return Markup(svg)  # nosec B704
