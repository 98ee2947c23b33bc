"""One W2 job in DuckDB: `python duckdb_job.py JOB INPUT OUTPUT.parquet THREADS`.

Run by w2-duckdb.py inside the venv it makes, as a child process of its own, so its CPU
time and peak RSS are measured the same way as Sluice's. Each query computes the view of
the shipped pipeline's graph (see ../README.md, "W2 beside DuckDB", for what differs).
"""

import sys

import duckdb

# The columns the jobs read, typed as the DAA schema types them.
COLUMNS = """{'id': 'VARCHAR', 'type': 'VARCHAR', 'agent_id': 'VARCHAR', 'ts': 'BIGINT',
              'metric': 'VARCHAR', 'value': 'DOUBLE', 'pattern': 'VARCHAR', 'success': 'BOOLEAN',
              'score': 'DOUBLE'}"""

EVENTS = "read_ndjson('{input}', columns = " + COLUMNS + ", format = 'newline_delimited')"

# De-duplication by id, first arrival kept (re-deliveries are exact copies in W2).
UNIQUE = "(SELECT * FROM " + EVENTS + " QUALIFY row_number() OVER (PARTITION BY id) = 1)"

AGENT_METRICS = """
SELECT agent_id, metric, (ts // 10000) * 10000 AS window_start, (ts // 10000) * 10000 + 10000 AS window_end,
       count(*) AS samples, sum(value) AS total, min(value) AS low, max(value) AS high,
       avg(value) AS mean, approx_quantile(value, 0.95) AS p95
FROM {events} WHERE type = 'metric' GROUP BY ALL
"""

PATTERN_EFFECTIVENESS = """
WITH applied AS (
  SELECT agent_id, pattern, ts, score, CASE WHEN success THEN 1 ELSE 0 END AS succeeded
  FROM {events} WHERE type = 'pattern.applied'
)
SELECT 'per_agent' AS view, agent_id, pattern, (ts // 60000) * 60000 AS window_start,
       count(*) AS applications, sum(succeeded) AS successes, avg(succeeded) AS success_rate,
       avg(score) AS mean_score, NULL AS agents
FROM applied GROUP BY ALL
UNION ALL
SELECT 'per_pattern', NULL, pattern, (ts // 60000) * 60000,
       count(*), sum(succeeded), avg(succeeded), avg(score), count(DISTINCT agent_id)
FROM applied GROUP BY ALL
"""

JOBS = {
    "agent-metrics": AGENT_METRICS.replace("{events}", UNIQUE),
    "agent-metrics-no-dedupe": AGENT_METRICS.replace("{events}", EVENTS),
    "pattern-effectiveness": PATTERN_EFFECTIVENESS.replace("{events}", UNIQUE),
}


def main() -> None:
    job, source, output, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    query = JOBS[job].replace("{input}", source)
    con.execute(f"COPY ({query}) TO '{output}' (FORMAT parquet)")


if __name__ == "__main__":
    main()
