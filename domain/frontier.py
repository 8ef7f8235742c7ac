"""The right edge of a Merkle tree: what a stream of leaves needs to yield roots as it goes.

A verifier reading a log of n events in order keeps only the O(log n) complete subtrees on the
tree's right edge; they are all that appending a leaf merges with and all that `root` asks for
the tree head of the leaves so far. So an export of any length verifies in constant memory, and
the roots at earlier sizes (an auditor's old checkpoints) come on the way.

`append` is the inner loop of `recount verify` (once per event), so it merges the edge itself
instead of going through `new_subtrees`; a test holds the two to the same subtrees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from domain.errors import InvalidInput
from domain.merkle import root

_NODE_PREFIX = b"\x01"
Node = tuple[int, int, bytes]  # (level, index, hash) of a complete subtree


class Frontier:
    """Complete subtrees on the right edge of the tree of the leaves appended so far."""

    def __init__(self) -> None:
        self._edge: list[tuple[int, int, bytes]] = []  # (level, index, hash), largest first
        self.size = 0

    def subtree(self, level: int, index: int) -> bytes:
        for node_level, node_index, digest in self._edge:
            if node_level == level and node_index == index:
                return digest
        raise InvalidInput(f"subtree ({level}, {index}) is not on the right edge")

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Append one leaf; returns the subtrees it completes (level 0 first), as new_subtrees."""
        index = self.size
        created = [(0, index, leaf_hash)]
        edge = self._edge
        node, level = leaf_hash, 0
        while index & 1:
            node = hashlib.sha256(_NODE_PREFIX + edge.pop()[2] + node).digest()
            level, index = level + 1, index >> 1
            created.append((level, index, node))
        edge.append((level, index, node))
        self.size += 1
        return created

    def extend(self, leaf_hashes: Sequence[bytes], created: list[Node] | None = None) -> None:
        """Append many leaves: the same edge as appending them one by one, in fewer steps.

        Leaves that fill a whole aligned subtree are hashed level by level first, so the
        loop over single leaves runs only at the ragged ends. With `created`, every subtree
        above the leaves that the appends complete is added to it (as `append` gives them,
        but in another order: a live verification sorts them to compare with the stored).
        """
        start, count = 0, len(leaf_hashes)
        while start < count:
            level = (
                min((self.size & -self.size or 1 << 62).bit_length(), (count - start).bit_length())
                - 1
            )
            if level == 0:
                made = self.append(leaf_hashes[start])
                if created is not None:
                    created += made[1:]
                start += 1
                continue
            nodes = list(leaf_hashes[start : start + (1 << level)])
            height = 0
            while len(nodes) > 1:
                pairs = zip(nodes[0::2], nodes[1::2], strict=True)
                nodes = [
                    hashlib.sha256(_NODE_PREFIX + left + right).digest() for left, right in pairs
                ]
                height += 1
                if created is not None:
                    first = self.size >> height
                    created += [(height, first + n, node) for n, node in enumerate(nodes)]
            self._push(level, self.size >> level, nodes[0], created)
            self.size += 1 << level
            start += 1 << level

    def _push(self, level: int, index: int, node: bytes, created: list[Node] | None) -> None:
        edge = self._edge
        while index & 1:
            node = hashlib.sha256(_NODE_PREFIX + edge.pop()[2] + node).digest()
            level, index = level + 1, index >> 1
            if created is not None:
                created.append((level, index, node))
        edge.append((level, index, node))

    def root(self) -> bytes:
        """The tree head of every leaf appended so far."""
        return root(self.size, self)
