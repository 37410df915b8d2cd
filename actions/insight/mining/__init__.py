"""Log mining for Insight: templates, error clusters, timeline, suspects. Pure and fast, no LLM.

`mine_lines(lines, events=..., service=...)` turns raw log lines into a `Mined` summary;
`TemplateMiner` is the Drain-style template miner underneath; `parse_line` reads one line.
"""

from actions.insight.mining.analysis import mine_lines, mine_records
from actions.insight.mining.drain import MinerConfig, Template, TemplateMiner
from actions.insight.mining.model import (
    Correlation,
    Mined,
    Suspect,
    TemplateStats,
    TimelineEntry,
)
from actions.insight.mining.parse import LogRecord, parse_line

__all__ = [
    "Correlation",
    "LogRecord",
    "Mined",
    "MinerConfig",
    "Suspect",
    "Template",
    "TemplateMiner",
    "TemplateStats",
    "TimelineEntry",
    "mine_lines",
    "mine_records",
    "parse_line",
]
