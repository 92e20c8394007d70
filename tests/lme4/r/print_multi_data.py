"""Write the small three-level nested data set that ``print_multi.R`` fits (run before it).

    python tests/lme4/r/print_multi_data.py

``print_multi_nested.csv``: 6 schools ``a`` (a1..a6) x 4 classes ``b`` (b1..b4, the same labels
in every school, so only ``a/b`` tells them apart) x 3 groups ``c`` (c1..c3, again repeated)
x 8 pupils: 576 rows ``a, b, c, x, y``.  The logit is ``-0.3 + 0.8 x`` plus normal effects with
SD 0.9 per school, 0.6 per class and 0.5 per group; fixed seed, doubles written to round-trip.
"""
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
rng = np.random.default_rng(20260311)
na, nb, nc, nrep = 6, 4, 3, 8
rows = [(f"a{i + 1}", f"b{j + 1}", f"c{k + 1}") for i in range(na) for j in range(nb) for k in range(nc)
        for _ in range(nrep)]
d = pd.DataFrame(rows, columns=["a", "b", "c"])
ua = rng.normal(0, 0.9, na)
ub = rng.normal(0, 0.6, na * nb)
uc = rng.normal(0, 0.5, na * nb * nc)
ia = np.repeat(np.arange(na), nb * nc * nrep)
ib = np.repeat(np.arange(na * nb), nc * nrep)
ic = np.repeat(np.arange(na * nb * nc), nrep)
d["x"] = rng.normal(size=len(d))
eta = -0.3 + 0.8 * d["x"].to_numpy() + ua[ia] + ub[ib] + uc[ic]
d["y"] = (rng.random(len(d)) < 1 / (1 + np.exp(-eta))).astype(int)
d.to_csv(HERE.parent / "print_multi_nested.csv", index=False)
print("wrote", HERE.parent / "print_multi_nested.csv")
