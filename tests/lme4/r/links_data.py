"""Write the two simulated data sets that ``links.R`` fits (run before it, from any directory).

    python tests/lme4/r/links_data.py

``links_crossed.csv``: benchmarks/designs.py's crossed design, 300 students x 60 items, 10
items each (3,000 rows); ``links_slopes.csv``: its random-slope design, 300 subjects x 14 days
(4,200 rows).  Both with the generator's fixed seeds; doubles written to round-trip exactly.
"""
from pathlib import Path
import sys

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "benchmarks"))
import designs  # noqa: E402

crossed, _ = designs.crossed_design(n_students=300, n_items=60, items_each=10)
crossed.to_csv(HERE.parent / "links_crossed.csv", index=False)
slopes, _ = designs.slopes_design(n_subjects=300)
slopes.to_csv(HERE.parent / "links_slopes.csv", index=False)
print("wrote", HERE.parent / "links_crossed.csv", "and", HERE.parent / "links_slopes.csv")
