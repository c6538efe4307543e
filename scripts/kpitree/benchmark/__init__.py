"""The benchmark (scripts/benchmark.py): the whole pipeline at one size, against what DuckDB
alone needs.

    python scripts/benchmark.py --events 10000000 [--output target/benchmark.json]

Steps, each measured by its wall clock, its CPU time (user + system of its processes: what
it needs whatever else runs on the machine) and its peak memory (the largest resident set
of its processes), on this machine:
  1. generate --events demo events (scripts/generate_demo_data.py); the funnel events of
     the last ingestion day are held back for step 5;
  2. `dbt build --full-refresh` of the whole project on a fresh DuckDB file;
  3. the same compiled SQL (every model, snapshot and test of step 2, in the order dbt ran
     them; seeds copied from dbt's build) run by one plain DuckDB process with the
     profile's settings: what dbt itself adds;
  4. the floor: one DuckDB statement deduplicating the raw funnel events (the latest
     version of each key) and computing the daily aggregate;
  5. an incremental day: the held-back day lands, then the scheduled run
     (scripts/daily_run.py, `make daily`: what changed raw tables and definitions reach);
  6. a run with nothing new, the scheduled run again: what a day without new data costs;
     steps 5 and 6 are measured again with a plain `dbt build` on a copy of step 2's
     database (every node: dbt's own work, the tree and marts rebuilt whole, the tests);
  7. reading every row of every metric view (what a dashboard or the tree does);
  8. MetricFlow answering every metric with a view at week, month and quarter grain
     (--skip-metricflow REASON skips it and reports the reason).
The numbers are printed with the ratios docs/engines.md quotes (of wall-clock and of CPU time)
and the slowest nodes of both builds (dbt's run_results.json), and written as JSON.

One module per concern:
- measure: running a step and measuring its wall clock, CPU time and peak memory
- held_day: holding the last day of funnel events back for the incremental day
- replay: the same SQL in one plain DuckDB process (step 3), and the floor (step 4)
- reads: reading the metric views (step 7) and MetricFlow's answers (step 8)
- steps: the steps in order, into one report
- report: the slowest nodes, the ratios and the printed lines
- cli: arguments and the JSON file
"""
