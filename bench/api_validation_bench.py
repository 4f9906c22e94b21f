"""API validation benchmark: how long checking a full request of items takes.

Builds 1,000 realistic items (every field set) and runs `validate_items` on them, the
JSON Schema of the OpenAPI document plus the rules beyond it; then the same with one
invalid field in every item. Prints milliseconds per 1,000 items. Asserts nothing.

    python bench/api_validation_bench.py [--items 1000] [--runs 10]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ambassador import create_app  # noqa: E402


def items(n: int, broken: bool = False) -> list[dict]:
    """n items like a survey tool sends; with `broken`, each has a score of 11."""
    return [{"email": f"customer{i}@example.com", "score": 11 if broken else i % 11,
             "responded_at": "2026-03-01T10:00:00Z", "comment": "Très bien, merci ! " * 8,
             "name": "Şule Öztürk", "company": "Lumière Voyages", "external_id": f"tf-{i}",
             "touchpoint": "relational", "contact_ref": i, "language": "fr"}
            for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    app = create_app("testing")
    with app.app_context():
        from ambassador.api.validation import validate_items

        for label, body in (("valid", items(args.items)),
                            ("invalid", items(args.items, broken=True))):
            validate_items(body)  # warm-up
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                validate_items(body)
                times.append((time.perf_counter() - start) * 1000)
            per_thousand = statistics.median(times) * 1000 / args.items
            print(f"{label:8} {args.items:,} items: median {statistics.median(times):.1f} ms "
                  f"(min {min(times):.1f}, max {max(times):.1f}); "
                  f"{per_thousand:.1f} ms per 1,000 items")


if __name__ == "__main__":
    main()
