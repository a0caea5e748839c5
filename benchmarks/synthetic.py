"""Time generate_county for growing sizes (up to 20,000 villages).

Run: ``/work/venv/bin/python benchmarks/synthetic.py [max_villages]``
"""

from __future__ import annotations

import sys
import time

from jurisdiction.synthetic.county import generate_county


def main(max_villages: int = 20_000) -> None:
    """Print seconds, layer sizes and planted defects per size."""
    for n in (100, 1_000, 5_000, 20_000):
        if n > max_villages:
            break
        start = time.perf_counter()
        county = generate_county(42, n, max(2, n // 40))
        seconds = time.perf_counter() - start
        print(f"{n:>6} villages {len(county.stations):>4} stations {len(county.roads):>6} roads "
              f"{len(county.defects.split_villages):>3} splits  {seconds:6.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
