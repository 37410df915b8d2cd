"""Template mining in the spirit of Drain (He et al., ICWS 2017). Pure, bounded in memory.

A message is masked (`masks.py`) and split into tokens; a fixed-depth parse tree routes it by its
token count and its leading tokens to a short list of clusters; the most similar cluster takes it
when enough of their tokens agree, and the positions where they differ become `<*>`. Otherwise the
message starts a cluster of its own. After the pass, clusters whose templates read the same once a
run of `<*>` counts as one merge: a cluster id, once returned, stays valid and `final(id)` names
the cluster it ended in.

Speed comes from two bounded caches: masks treat every digit alike, so a message with its digits
zeroed is a key for its cluster (most lines of a log differ from an earlier one only in numbers);
and an identical masked message skips the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from actions.insight.mining.masks import DIGITS_TO_ZERO, WILDCARD, mask


@dataclass
class Cluster:
    """One cluster: its template's tokens, and the first message it took."""

    id: int
    tokens: list[str]
    example: str

    @property
    def template(self) -> str:
        return " ".join(_shape(self.tokens))


@dataclass(frozen=True)
class Template:
    """A final template as the miner reports it."""

    id: int
    template: str
    count: int
    example: str


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    clusters: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class MinerConfig:
    """The one default configuration, chosen to work on logs the miner has never seen.

    `similarity`: share of a message's constant tokens that must agree with a template;
    `depth`: levels of the parse tree (token count, then `depth - 2` leading tokens);
    `max_children`: distinct tokens a tree node keeps before the rest share `<*>`;
    `cache_size`: entries each of the two caches holds at most (some 150 bytes each).

    The similarity was chosen on the eight Loghub 2k sets (GA 0.94–0.96 anywhere in 0.6–0.75).
    """

    similarity: float = 0.75
    depth: int = 4
    max_children: int = 100
    cache_size: int = 50_000


class TemplateMiner:
    """Drain-style online template miner: `add` each message, then read `templates()`."""

    def __init__(self, config: MinerConfig | None = None) -> None:
        self.config = config or MinerConfig()
        self._levels = max(self.config.depth - 2, 1)
        self._clusters: list[Cluster] = []
        self._counts: list[int] = []  # messages per cluster as added (merges fold them in)
        self._parent: list[int] = []
        self._root: dict[int, _Node] = {}
        self._by_digits = _Cache(self.config.cache_size)
        self._by_masked = _Cache(self.config.cache_size)
        self._dirty = False
        self._misses = 0

    def add(self, message: str) -> int:
        """Take one message; the id of the cluster it joined (or started)."""
        # normalise_digits, inlined: this is the path of most lines
        raw = message.encode("utf-8", "surrogatepass")
        key = raw.translate(DIGITS_TO_ZERO).decode("utf-8", "surrogatepass")
        cid = self._by_digits.get(key)
        if cid is None:
            cid = self._miss(key, message)
        self._counts[cid] += 1
        return cid

    @property
    def cache_hits(self) -> int:
        """Messages whose digit-normalised form was cached (the rest were masked)."""
        return sum(self._counts) - self._misses

    def final(self, cid: int) -> int:
        """The cluster that cluster `cid` ended in, once similar templates were merged."""
        self._settle()
        return self._find(cid)

    def template(self, cid: int) -> str:
        """The template (with `<*>` for variables) of the cluster `cid` ended in."""
        return self._clusters[self.final(cid)].template

    def templates(self) -> list[Template]:
        """Every final template, most frequent first."""
        self._settle()
        totals: dict[int, int] = {}
        for cid, n in enumerate(self._counts):
            root = self._find(cid)
            totals[root] = totals.get(root, 0) + n
        found = [
            Template(c.id, c.template, totals[c.id], c.example)
            for c in self._clusters
            if self._parent[c.id] == c.id
        ]
        return sorted(found, key=lambda t: (-t.count, t.id))

    def _miss(self, key: str, message: str) -> int:
        cid = self._by_digits.get_old(key)
        if cid is None:
            self._misses += 1
            masked = mask(key)
            cid = self._by_masked.get(masked)
            if cid is None:
                cid = self._by_masked.get_old(masked)
                if cid is None:
                    cid = self._place(masked.split(), message)
                self._by_masked.put(masked, cid)
        self._by_digits.put(key, cid)
        return cid

    def _place(self, words: list[str], message: str) -> int:
        """Drain's step: the most similar cluster of the message's leaf, or a new one."""
        leaf = self._leaf(words)
        best, best_score = -1, -1.0
        n = len(words)
        for cid in leaf:
            same = wild = 0
            for a, b in zip(self._clusters[cid].tokens, words, strict=True):
                if a == b:
                    if WILDCARD in a:
                        wild += 1
                    else:
                        same += 1
            score = same / (n - wild) if n > wild else 1.0
            if score > best_score:
                best, best_score = cid, score
        if best >= 0 and best_score >= self.config.similarity:
            tokens = self._clusters[best].tokens
            for i, word in enumerate(words):
                if tokens[i] != word:
                    tokens[i] = WILDCARD
                    self._dirty = True
            return best
        cid = len(self._clusters)
        self._clusters.append(Cluster(cid, list(words), message))
        self._counts.append(0)
        self._parent.append(cid)
        leaf.append(cid)
        self._dirty = True
        return cid

    def _leaf(self, words: list[str]) -> list[int]:
        """The clusters at the end of the tree path of `words` (the path is made if new)."""
        node = self._root.get(len(words))
        if node is None:
            node = self._root[len(words)] = _Node()
        for word in words[: self._levels]:
            child = node.children.get(word)
            if child is None:
                child = node.children.get(WILDCARD)
                if child is None:
                    child = _Node()
                    full = len(node.children) >= self.config.max_children - 1
                    node.children[WILDCARD if full else word] = child
            node = child
        return node.clusters

    def _find(self, cid: int) -> int:
        parent = self._parent
        while parent[cid] != cid:
            parent[cid] = parent[parent[cid]]
            cid = parent[cid]
        return cid

    def _settle(self) -> None:
        """Merge clusters whose templates read the same once a run of `<*>` counts as one."""
        if not self._dirty:
            return
        self._dirty = False
        by_shape: dict[tuple[str, ...], int] = {}
        for cluster in self._clusters:
            if self._parent[cluster.id] != cluster.id:
                continue
            keep = by_shape.setdefault(_shape(cluster.tokens), cluster.id)
            if keep != cluster.id:
                self._parent[cluster.id] = keep


def _shape(tokens: list[str]) -> tuple[str, ...]:
    """The tokens with each run of `<*>` read as one."""
    out: list[str] = []
    for token in tokens:
        if not (token == WILDCARD and out and out[-1] == WILDCARD):
            out.append(token)
    return tuple(out)


class _Cache:
    """A bounded map in two generations: the recent half, and the half before it. A key found in
    the old half moves to the recent one; when the recent half is full it becomes the old one and
    the old one is dropped, so the keys that keep coming back stay, at dict speed."""

    __slots__ = ("_half", "_old", "get", "recent")

    def __init__(self, size: int) -> None:
        self._half = max(size // 2, 1)
        self.recent: dict[str, int] = {}
        self._old: dict[str, int] = {}
        self.get = self.recent.get

    def get_old(self, key: str) -> int | None:
        return self._old.get(key)

    def put(self, key: str, value: int) -> None:
        if len(self.recent) >= self._half:
            self._old, self.recent = self.recent, {}
            self.get = self.recent.get
        self.recent[key] = value
