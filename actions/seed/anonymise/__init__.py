"""Anonymised production extracts: PII found per column, keyed format-preserving pseudonyms,
quasi-identifiers generalised to k-anonymity, and a report that holds no value of the data.

    tables = read_extract("prod-extract/")           # CSV folder, database URL or .sql dump
    out, report = anonymise(tables, key)             # key: bytes from the environment
    out, report = anonymise(tables, key, Rules(quasi={"customers": ["birth_date"]}, k=10))

    report = anonymise_extract("prod-extract/", key, sink)  # streamed: sink(name, columns, chunks)
"""

from actions.seed.anonymise.detect import ColumnFinding, detect_columns
from actions.seed.anonymise.kanon import KReport, generalise, k_anonymity
from actions.seed.anonymise.pseudonym import Pseudonymiser
from actions.seed.anonymise.run import (
    AnonymisationReport,
    ColumnAction,
    Rules,
    TableSink,
    anonymise,
    anonymise_extract,
    anonymise_streams,
)
from actions.seed.anonymise.sources import open_extract, read_extract
from actions.seed.anonymise.table import PiiKind, Table, TableStream

__all__ = [
    "AnonymisationReport",
    "ColumnAction",
    "ColumnFinding",
    "KReport",
    "PiiKind",
    "Pseudonymiser",
    "Rules",
    "Table",
    "TableSink",
    "TableStream",
    "anonymise",
    "anonymise_extract",
    "anonymise_streams",
    "detect_columns",
    "generalise",
    "k_anonymity",
    "open_extract",
    "read_extract",
]
