"""The verifier's right edge: the same subtrees and roots as the tree the store keeps."""

from __future__ import annotations

import hashlib

from domain.frontier import Frontier
from domain.merkle import MemoryTree, leaf_hash, new_subtrees


def test_the_frontier_completes_the_subtrees_the_store_writes_and_yields_every_root():
    leaves = [leaf_hash(hashlib.sha256(bytes([n % 256, n // 256])).digest()) for n in range(300)]
    frontier, tree, stored = Frontier(), MemoryTree(), {}
    for n, leaf in enumerate(leaves):
        expected = new_subtrees(n, leaf, _Lookup(stored))
        stored.update({(level, index): digest for level, index, digest in expected})
        assert frontier.append(leaf) == expected
        tree.append(leaf)
        assert frontier.root() == tree.root()


class _Lookup:
    def __init__(self, stored):
        self.stored = stored

    def subtree(self, level, index):
        return self.stored[(level, index)]


def test_extending_by_many_leaves_gives_the_edge_of_appending_them_one_by_one():
    leaves = [leaf_hash(n.to_bytes(4, "big")) for n in range(1000)]
    for cuts in ([0, 1000], [0, 3, 4, 8, 16, 100, 512, 513, 1000], [0, 1, 2, 3, 999, 1000]):
        one, many = Frontier(), Frontier()
        for leaf in leaves:
            one.append(leaf)
        for start, end in zip(cuts, cuts[1:], strict=False):
            many.extend(leaves[start:end])
            assert many.size == end
        assert (many.root(), many._edge) == (one.root(), one._edge)


def test_extending_by_many_leaves_completes_the_subtrees_appending_them_one_by_one_does():
    leaves = [leaf_hash(n.to_bytes(4, "big")) for n in range(1000)]
    for cuts in ([0, 1000], [0, 3, 4, 8, 16, 100, 512, 513, 1000], [0, 1, 2, 3, 999, 1000]):
        one, many = Frontier(), Frontier()
        expected = [node for leaf in leaves for node in one.append(leaf)[1:]]
        created: list[tuple[int, int, bytes]] = []
        for start, end in zip(cuts, cuts[1:], strict=False):
            many.extend(leaves[start:end], created)
        assert sorted(created) == sorted(expected)
        assert len(created) == len(expected)
