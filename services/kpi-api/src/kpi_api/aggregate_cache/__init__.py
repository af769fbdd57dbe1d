"""Analytics aggregates kept between requests, exact by construction.

The federal report reads every region's values of a quarter: 3 M values at national volume, ~11 s of
GROUP BY. Most of those figures have not changed since the last report. So each aggregate analytics
computes (one indicator over one root's subtree in one window, of some statuses) is kept with the
*generation* of the values it was read at, and served again while that generation is unchanged:

- every transaction that writes a value bumps ``value_generations`` for the value's indicator, year and
  region, in the same transaction, just before it commits (``generations``);
- a request reads the generations first, then the cache, then computes what is missing or stale with
  analytics' own SQL, and stores it with the generations it read at the start (``service``).

Why that is exact: a writer's values and its bump commit together, and the reader reads the generation
before the values. A figure stored with generation g was therefore computed from data at least as new
as g; if any write has committed since, the current generation is no longer g and the figure is not
served. A stale figure can be stored, but never served.
"""
