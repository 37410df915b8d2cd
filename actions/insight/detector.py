"""A detector is one pattern for one kind of sensitive value; `find_spans` runs a list of them.

Each pattern is compiled once, at import, and written to be cheap on lines that hold nothing:
it starts with a literal where it can (the regex engine then scans for it quickly, which a
leading `\b` or lookbehind would prevent: `word_start` checks that border afterwards). A
detector may name `needles` (lowercase substrings one of which must be in the text) or a `gate`
(a quick pattern that must be found first), or `anchors`: the words its pattern starts with,
found with `str.find`, the pattern then tried only there. Case-insensitive patterns run on the
lowercased text (`lower=True`), several times faster than `re.IGNORECASE`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

Span = tuple[int, int, str]
# Given the match, the original text and the span of the value, the span to redact or None.
# (With `lower=True` the match is on the lowercased text; read values from the original.)
Check = Callable[[re.Match[str], str, int, int], tuple[int, int] | None]

# What a Redactor writes: `[kind:1a2b3c]`. Never redacted again, never broken by a later pass.
PLACEHOLDER = re.compile(r"\[[a-z][a-z0-9-]*:[0-9a-f]{6}\]")


@dataclass(frozen=True)
class Detector:
    """One kind of value: where it is (a group of `pattern`) and whether it really is one."""

    kind: str
    pattern: re.Pattern[str]
    groups: tuple[int | str, ...] = (0,)  # the first of these groups that took part holds the value
    needles: tuple[str, ...] = ()  # lowercase; empty means always run
    gate: re.Pattern[str] | None = None  # must be found in the lowercased text before `pattern`
    lower: bool = False  # `pattern` is written for the lowercased text
    # Lowercase words `pattern` starts with: it is tried only where one of them is (found with
    # str.find), instead of at every position; anchors are also needles. Needs `lower`.
    anchors: tuple[str, ...] = ()
    word_start: bool = False  # a match must not start inside a word (`\b` costs the quick scan)
    check: Check | None = None
    _folded: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.lower:  # for text whose lowercase has another length ("İ" -> "i̇")
            folded = re.compile(self.pattern.pattern, self.pattern.flags | re.IGNORECASE)
            object.__setattr__(self, "_folded", folded)

    def spans(self, text: str, lower: str | None = None) -> list[tuple[int, int]]:
        """Every (start, end) of a value of this kind in the text (may overlap other kinds)."""
        if lower is None:
            lower = text.lower()
        if self.needles and not any(map(lower.__contains__, self.needles)):
            return []
        if self.gate is not None and self.gate.search(lower) is None:
            return []
        if not self.lower:
            matches: Iterable[re.Match[str]] = self.pattern.finditer(text)
        elif len(lower) != len(text):  # positions in the lowercase would not be the text's
            matches = (self._folded or self.pattern).finditer(text)
        elif self.anchors:
            matches = self._anchored(lower)
        else:
            matches = self.pattern.finditer(lower)
        found: list[tuple[int, int]] = []
        seen: set[tuple[int, int]] = set()  # overlapping anchors can find a match twice
        for match in matches:
            at = match.start()
            if self.word_start and at and (text[at - 1].isalnum() or text[at - 1] == "_"):
                continue
            group = next((g for g in self.groups if match.start(g) >= 0), None)
            if group is None:
                continue
            start, end = match.span(group)
            span = (start, end) if self.check is None else self.check(match, text, start, end)
            if span is not None and span[0] < span[1] and span not in seen:
                seen.add(span)
                found.append(span)
        return found

    def _anchored(self, lower: str) -> list[re.Match[str]]:
        """Matches of `pattern` starting where one of the anchors is."""
        matches = []
        for anchor in self.anchors:
            at = lower.find(anchor)
            while at >= 0:
                match = self.pattern.match(lower, at)
                if match is not None:
                    matches.append(match)
                at = lower.find(anchor, at + 1)
        return matches


def find_spans(text: str, detectors: Sequence[Detector]) -> list[Span]:
    """Where the sensitive values are: (start, end, kind), sorted, never overlapping.

    Detectors earlier in the list win over later ones on the same characters; placeholders a
    Redactor already wrote are left as they are.
    """
    lower = text.lower()
    # the spans taken so far, sorted and disjoint: starts and ends both ascending
    starts: list[int] = []
    ends: list[int] = []
    kinds: list[str] = []
    if "[" in text:
        for m in PLACEHOLDER.finditer(text):
            starts.append(m.start())
            ends.append(m.end())
            kinds.append("")
    for detector in detectors:
        for start, end in detector.spans(text, lower):
            i = bisect.bisect_right(starts, start)
            if (i and ends[i - 1] > start) or (i < len(starts) and starts[i] < end):
                continue  # overlaps a span taken before
            starts.insert(i, start)
            ends.insert(i, end)
            kinds.insert(i, detector.kind)
    return [(s, e, k) for s, e, k in zip(starts, ends, kinds, strict=True) if k]
