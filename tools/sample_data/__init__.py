"""Seeded sample data for the platform: the Jaffle Shop raw schema of ``contract.py``, simulated.

A vectorized (numpy and Arrow, no Python loop per order) simulation of a coffee-and-jaffle chain
whose stores open one after another, whose customers behave by type (commuters, lunch regulars,
brunch groups, students, occasional visitors), and whose demand follows the week, the hour, the
seasons and the weather. It writes what the platform ingests:

- daily landing files ``landing/<entity>/<YYYY-MM-DD>.<ext>`` for orders, items and tweets;
- the operational SQLite database (customers, products, stores, supplies);
- Open-Meteo archive API snapshots, one per store city, over the same period.

Modules: ``calendar`` (the period and its days), ``stores``, ``menu`` (jafgen's products and
supplies), ``customers`` (behaviour types, arrivals), ``weather``, ``demand`` (who is likely to
order when), ``orders`` (one day's orders and items), ``tweets``, ``identifiers`` and ``timestamps``
(UUID and ISO text in bulk), ``writers`` (files and database), ``generator`` (``generate()``) and
``cli``.
"""

from tools.sample_data.generator import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
