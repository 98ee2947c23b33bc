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
              'score': 'DOUBLE', 'cognitive_pattern': 'VARCHAR', 'learning_rate': 'DOUBLE',
              'performance_score': 'DOUBLE', 'workflow_id': 'VARCHAR', 'steps': 'BIGINT',
              'strategy': 'VARCHAR', 'duration_ms': 'DOUBLE', 'error': 'VARCHAR'}"""

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

# last(x) is the value of the row with the latest event time, nulls skipped (arg_max
# with a FILTER); ties between equal times go to the later arrival in Sluice and to
# either row here (rare: the checks compare counts and sums, not the picked values).
AGENT_STATE = """
WITH changes AS (
  SELECT agent_id, ts, learning_rate, performance_score,
         CASE WHEN type = 'pattern.updated' THEN pattern ELSE cognitive_pattern END AS current_pattern,
         CASE WHEN type = 'agent.destroyed' THEN 'destroyed' ELSE 'active' END AS current_status,
         CASE WHEN type = 'agent.adapted' THEN 1 ELSE 0 END AS adapted,
         CASE WHEN type = 'agent.created' THEN ts END AS created
  FROM {events} WHERE type IN ('agent.created', 'agent.adapted', 'agent.destroyed', 'pattern.updated')
)
SELECT agent_id,
       arg_max(current_pattern, ts) FILTER (WHERE current_pattern IS NOT NULL) AS cognitive_pattern,
       arg_max(learning_rate, ts) FILTER (WHERE learning_rate IS NOT NULL) AS learning_rate,
       arg_max(current_status, ts) AS status,
       sum(adapted) AS adaptations,
       arg_max(performance_score, ts) FILTER (WHERE performance_score IS NOT NULL) AS last_performance,
       avg(performance_score) AS avg_performance,
       min(created) AS created_at, max(ts) AS updated_at
FROM changes GROUP BY agent_id
"""

# The pipeline's interval join: an end event of the same workflow_id 0 s to 1 h after the
# start, unmatched starts kept (timed_out). Both outputs are written, as the pipeline does:
# the runs view and the alerts (failed, timed out, or slower than 60 s).
WORKFLOW_RUNS = """
CREATE TEMP TABLE runs AS
WITH unique_events AS {events},
started AS (SELECT workflow_id, agent_id, ts, steps, strategy FROM unique_events WHERE type = 'workflow.started'),
ended AS (SELECT workflow_id, type, ts, duration_ms, error FROM unique_events
          WHERE type IN ('workflow.completed', 'workflow.failed'))
SELECT s.workflow_id, s.agent_id, s.ts, e.ts AS end_ts, s.steps, s.strategy,
       CASE WHEN e.type = 'workflow.completed' THEN 'completed'
            WHEN e.type = 'workflow.failed' THEN 'failed' ELSE 'timed_out' END AS outcome,
       coalesce(e.duration_ms, CAST(e.ts - s.ts AS DOUBLE)) AS run_ms, e.error AS end_error
FROM started s LEFT JOIN ended e
  ON e.workflow_id = s.workflow_id AND e.ts BETWEEN s.ts AND s.ts + 3600000;
COPY (SELECT * FROM runs WHERE outcome != 'completed' OR run_ms > 60000) TO '{output}.alerts.parquet' (FORMAT parquet);
"""

JOBS = {
    "agent-metrics": AGENT_METRICS.replace("{events}", UNIQUE),
    "agent-metrics-no-dedupe": AGENT_METRICS.replace("{events}", EVENTS),
    "agent-metrics-no-p95": AGENT_METRICS.replace("{events}", EVENTS).replace(", approx_quantile(value, 0.95) AS p95", ""),
    "pattern-effectiveness": PATTERN_EFFECTIVENESS.replace("{events}", UNIQUE),
    "agent-state": AGENT_STATE.replace("{events}", UNIQUE),
    "workflow-runs": WORKFLOW_RUNS.replace("{events}", UNIQUE),
}

# Jobs whose script builds a table `runs` first; the view is that table.
TABLE_JOBS = {"workflow-runs"}


def main() -> None:
    job, source, output, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    query = JOBS[job].replace("{input}", source).replace("{output}", output)
    if job in TABLE_JOBS:
        con.execute(query)
        con.execute(f"COPY runs TO '{output}' (FORMAT parquet)")
    else:
        con.execute(f"COPY ({query}) TO '{output}' (FORMAT parquet)")


if __name__ == "__main__":
    main()
