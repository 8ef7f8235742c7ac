"""RFC 9162 (RFC 6962) Merkle tree hashing over stored complete subtrees.

The log keeps, for every complete aligned subtree, its hash: the subtree at (level L, index i)
covers leaves [i * 2**L, (i + 1) * 2**L). Every node of the RFC tree of any size n is either
such a subtree or a node on the right edge, which is a right fold of at most log2(n) of them.
So a tree head, an inclusion proof or a consistency proof needs O(log n) lookups and never a
scan of the leaves, and appending a leaf writes O(log n) new subtrees.

All hashes are SHA-256; a leaf is hashed as SHA-256(0x00 || data), a node as
SHA-256(0x01 || left || right). Proofs are the audit paths of RFC 9162 §2.1.3 and §2.1.4;
the verifiers follow §2.1.3.2 and §2.1.4.2 step by step, so an auditor can compare them with
the RFC and with other implementations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from domain.errors import InvalidInput

HASH_SIZE = 32
"""Length in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The tree head of the empty log: RFC 9162 defines MTH({}) as HASH()."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Hash one entry; the 0x00 prefix keeps a leaf from posing as an inner node."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two children; the 0x01 prefix separates inner nodes from leaves."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


class SubtreeHashes(Protocol):
    """Where complete subtree hashes live (a table, a dict, a list of levels).

    Only asked for complete subtrees that exist: (level, index) with
    (index + 1) * 2**level <= the number of leaves appended so far.
    """

    def subtree(self, level: int, index: int) -> bytes: ...


def _require_int(name: str, value: object) -> int:
    # bool is an int to Python but never a size or an index to us.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be an integer, got {value!r}")
    return value


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2): where RFC 9162 splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_hash(start: int, end: int, hashes: SubtreeHashes) -> bytes:
    """MTH(D[start:end]) for a node of the RFC tree, from at most log2(end - start) lookups.

    Such a node is either a complete aligned subtree or lies on the right edge; in both cases
    the binary decomposition of its width, largest part first, gives aligned complete subtrees,
    and MTH splits at the largest power of two, so the hash is their right fold.
    """
    parts: list[bytes] = []
    pos = start
    while pos < end:
        width = 1 << ((end - pos).bit_length() - 1)
        level = width.bit_length() - 1
        assert pos % width == 0, "not a node of the RFC tree"
        parts.append(hashes.subtree(level, pos >> level))
        pos += width
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = node_hash(part, result)
    return result


def new_subtrees(
    leaf_index: int, leaf: bytes, lookup: SubtreeHashes
) -> list[tuple[int, int, bytes]]:
    """The complete subtrees that appending leaf hash `leaf` at `leaf_index` completes.

    Returns (level, index, hash), level 0 being the leaf itself; the store writes them all so
    that later heads and proofs never recompute. `lookup` must hold the leaves before it.
    """
    _require_int("leaf_index", leaf_index)
    if leaf_index < 0:
        raise InvalidInput(f"leaf_index must not be negative, got {leaf_index}")
    if not _is_hash(leaf):
        raise InvalidInput(f"a leaf hash must be {HASH_SIZE} bytes")
    created = [(0, leaf_index, leaf)]
    current, level, index = leaf, 0, leaf_index
    while index & 1:
        current = node_hash(lookup.subtree(level, index - 1), current)
        level, index = level + 1, index >> 1
        created.append((level, index, current))
    return created


def root(size: int, hashes: SubtreeHashes) -> bytes:
    """The tree head MTH(D[size]) of the first `size` leaves."""
    _require_int("size", size)
    if size < 0:
        raise InvalidInput(f"a tree size must not be negative, got {size}")
    if size == 0:
        return EMPTY_ROOT
    return _range_hash(0, size, hashes)


def inclusion_proof(leaf_index: int, size: int, hashes: SubtreeHashes) -> list[bytes]:
    """PATH(leaf_index, D[size]) of RFC 9162 §2.1.3.1, nearest the leaf first."""
    _require_int("leaf_index", leaf_index)
    _require_int("tree_size", size)
    if size < 1:
        raise InvalidInput(f"an inclusion proof needs a tree of at least one leaf, got {size}")
    if not 0 <= leaf_index < size:
        raise InvalidInput(f"leaf index {leaf_index} is not in a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if leaf_index < lo + k:
            path.append(_range_hash(lo + k, hi, hashes))
            hi = lo + k
        else:
            path.append(_range_hash(lo, lo + k, hashes))
            lo += k
    path.reverse()
    return path


def consistency_proof(first: int, second: int, hashes: SubtreeHashes) -> list[bytes]:
    """PROOF(first, D[second]) of RFC 9162 §2.1.4.1.

    Empty when first is 0 or equals second: the RFC defines proofs for 0 < first < second
    only, and those two cases need none.
    """
    _require_int("first", first)
    _require_int("second", second)
    if first < 0 or second < first:
        raise InvalidInput(f"no consistency proof from size {first} to size {second}")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, second, first, True
    while True:
        n = hi - lo
        if m == n:
            # SUBPROOF(m, D[m], b): nothing if D[m] is the old tree itself, else its hash.
            if not whole:
                proof.append(_range_hash(lo, hi, hashes))
            break
        k = _split(n)
        if m <= k:
            proof.append(_range_hash(lo + k, hi, hashes))
            hi = lo + k
        else:
            proof.append(_range_hash(lo, lo + k, hashes))
            lo, m, whole = lo + k, m - k, False
    proof.reverse()
    return proof


def _valid_path(proof: object) -> list[bytes] | None:
    if not isinstance(proof, (list, tuple)):
        return None
    items: list[bytes] = []
    for item in proof:
        if not _is_hash(item):
            return None
        items.append(item)
    return items


def verify_inclusion(
    leaf_index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows leaf `leaf_index` of the tree of `size` leaves is `leaf_hash`.

    RFC 9162 §2.1.3.2. Malformed input of any kind gives False, never an exception, so an
    auditor can feed it whatever a server sent.
    """
    path = _valid_path(proof)
    if path is None or not _is_count(leaf_index) or not _is_count(size):
        return False
    if not _is_hash(leaf_hash) or not _is_hash(root) or leaf_index >= size:
        return False
    fn, sn, r = leaf_index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree of `first` leaves is a prefix of the one of `second`.

    RFC 9162 §2.1.4.2 for 0 < first < second. Equal sizes need an empty proof and equal
    roots; from size 0 the proof is empty and the old root must be the empty tree's.
    Malformed input gives False, never an exception.
    """
    path = _valid_path(proof)
    if path is None or not _is_count(first) or not _is_count(second):
        return False
    if not _is_hash(first_root) or not _is_hash(second_root) or first > second:
        return False
    if first == second:
        return not path and first_root == second_root and (first > 0 or first_root == EMPTY_ROOT)
    if first == 0:
        return not path and first_root == EMPTY_ROOT
    if not path:
        return False
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


class MemoryTree:
    """Complete subtree hashes held in lists, one per level.

    For offline verification of an export and for tests: the same append path
    (new_subtrees) as the store, so both build the same hashes.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = []
        for h in leaf_hashes:
            self.append(h)

    @property
    def size(self) -> int:
        """The number of leaves appended."""
        return len(self._levels[0]) if self._levels else 0

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash; returns its leaf index."""
        index = self.size
        for level, _, h in new_subtrees(index, leaf_hash, self):
            if level == len(self._levels):
                self._levels.append([])
            self._levels[level].append(h)
        return index

    def subtree(self, level: int, index: int) -> bytes:
        if 0 <= level < len(self._levels) and 0 <= index < len(self._levels[level]):
            return self._levels[level][index]
        raise InvalidInput(f"no complete subtree at level {level}, index {index}")

    def _size(self, size: int | None) -> int:
        if size is None:
            return self.size
        _require_int("tree_size", size)
        if size > self.size:
            raise InvalidInput(f"tree size {size} exceeds the {self.size} leaves held")
        return size

    def root(self, size: int | None = None) -> bytes:
        """The tree head of the first `size` leaves (default: all)."""
        return root(self._size(size), self)

    def inclusion_proof(self, leaf_index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(leaf_index, self._size(size), self)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        return consistency_proof(first, self._size(second), self)
