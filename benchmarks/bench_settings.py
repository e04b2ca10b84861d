"""Steward's own settings plus one URL that exists only for benchmarks (the bare baseline view).

Everything else, the middleware stack above all, is exactly what the product runs.
"""

from steward.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
