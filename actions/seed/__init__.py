"""Seeding an environment's databases with synthetic data made from a schema.

`schema.load_schema` reads and checks the YAML schema; `rows.plan_rows` says how many rows each
table gets; `generate.generate` makes them in batches (vectorised, deterministic for a seed);
`sinks` writes them to a database (`database_sink`: sqlite, PostgreSQL), CSV or Parquet files,
and `write_all` drives it. Anonymised production extracts live in `anonymise/`.
"""
