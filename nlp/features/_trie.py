"""A word trie as flat arrays, for the compiled cue scan (speed code of ``nlp.features.cues``)."""

from __future__ import annotations

import numpy as np

from nlp.features._kernels import trie_matches


class CueTrie:
    """Words as a trie in flat arrays, matched over a text's code points by a compiled scan.

    Leftmost-longest and non-overlapping, as a regex alternation with the longest word first
    would match (so a cue inside a longer cue, 执法监督 in 行政执法监督, counts once, for the
    longer one). Python's ``re`` did this with a nested-prefix pattern at ~5% of batch tagging
    time; ``nlp.features._kernels.trie_matches`` walks the trie instead, one step per character.
    """

    def __init__(self, words: list[str]) -> None:
        self.words = list(words)
        nodes: list[dict[str, int]] = [{}]
        terminal = [-1]
        for k, w in enumerate(self.words):
            v = 0
            for ch in w:
                if ch not in nodes[v]:
                    nodes[v][ch] = len(nodes)
                    nodes.append({})
                    terminal.append(-1)
                v = nodes[v][ch]
            if terminal[v] < 0:
                terminal[v] = k
        children = [sorted((ord(ch), child) for ch, child in node.items()) for node in nodes]
        self.child_start = np.cumsum([0] + [len(c) for c in children]).astype(np.int64)
        self.child_char = np.array([c for cs in children for c, _ in cs], dtype=np.uint32)
        self.child_node = np.array([v for cs in children for _, v in cs], dtype=np.int64)
        self.terminal = np.array(terminal, dtype=np.int64)
        # the root's children as a table by code point: most positions start no word at all
        self.root = np.full(max((ord(w[0]) for w in self.words if w), default=-1) + 1, -1, dtype=np.int64)
        for ch, child in nodes[0].items():
            self.root[ord(ch)] = child

    def matches(self, cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start offset and word index of every match in a text's code points (``code_points``)."""
        return trie_matches(cp, self.root, self.child_start, self.child_char, self.child_node, self.terminal)
