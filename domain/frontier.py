"""The right edge of a Merkle tree: what a stream of leaves needs to yield roots as it goes.

A verifier reading a log of n events in order keeps only the O(log n) complete subtrees on the
tree's right edge; they are all that `new_subtrees` asks for when a leaf is appended and all
that `root` asks for the tree head of the leaves so far. So an export of any length verifies in
constant memory, and the roots at earlier sizes (an auditor's old checkpoints) come on the way.
"""

from __future__ import annotations

from domain.errors import InvalidInput
from domain.merkle import new_subtrees, root


class Frontier:
    """Complete subtrees on the right edge of the tree of the leaves appended so far."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}
        self.size = 0

    def subtree(self, level: int, index: int) -> bytes:
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise InvalidInput(f"subtree ({level}, {index}) is not on the right edge") from None

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Append one leaf; returns the subtrees it completes, as new_subtrees does."""
        created = new_subtrees(self.size, leaf_hash, self)
        for level, index, _ in created[:-1]:
            del self._nodes[(level, index - 1)]  # merged into the node one level up
        level, index, top = created[-1]
        self._nodes[(level, index)] = top
        self.size += 1
        return created

    def root(self) -> bytes:
        """The tree head of every leaf appended so far."""
        return root(self.size, self)
