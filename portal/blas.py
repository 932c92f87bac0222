"""One thread for numpy's linear algebra, set before numpy is first imported.

A worker serves requests in threads on a machine of a few cores; BLAS starting a thread per
core for every small matrix (the dashboards' disclosure audit) made the threads fight over
the cores: a 67 × 248 decomposition took ~270 ms instead of ~5 ms on the 2-core machine
under load. An administrator's own setting of these variables wins.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
