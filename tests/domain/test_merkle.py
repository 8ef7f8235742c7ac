"""Merkle hashing: the published RFC 6962 vectors, then properties against a naive oracle."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    new_subtrees,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# --- RFC 6962 reference vectors --------------------------------------------------------------
# The 8-leaf tree used by Certificate Transparency implementations (e.g. transparency-dev/merkle
# testonly/constants.go and proof/verify_test.go). Indices here are 0-based leaf indices.

LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]

# ROOTS[n] is the tree head of the first n leaves.
ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}

# NODES[level][index]: every complete subtree of the 8-leaf tree.
NODES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]

# (leaf_index, tree_size) -> audit path
INCLUSION_VECTORS: dict[tuple[int, int], list[str]] = {
    (0, 1): [],
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}

# (first, second) -> consistency proof
CONSISTENCY_VECTORS: dict[tuple[int, int], list[str]] = {
    (1, 1): [],
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (6, 7): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def hexes(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


@pytest.fixture(scope="module")
def tree8() -> MemoryTree:
    return MemoryTree(leaf_hash(d) for d in LEAF_INPUTS)


def test_empty_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == ROOTS[0]
    assert MemoryTree().root() == EMPTY_ROOT


def test_leaf_and_node_hashes_match_vectors() -> None:
    assert hexes([leaf_hash(d) for d in LEAF_INPUTS]) == NODES[0]
    leaves = [bytes.fromhex(h) for h in NODES[0]]
    assert node_hash(leaves[0], leaves[1]).hex() == NODES[1][0]


def test_every_complete_subtree_matches_vectors(tree8: MemoryTree) -> None:
    for level, row in enumerate(NODES):
        for index, expected in enumerate(row):
            assert tree8.subtree(level, index).hex() == expected


@pytest.mark.parametrize("size", range(0, 9))
def test_roots_match_vectors(tree8: MemoryTree, size: int) -> None:
    assert tree8.root(size).hex() == ROOTS[size]
    assert root(size, tree8).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size"), list(INCLUSION_VECTORS))
def test_inclusion_proofs_match_vectors(tree8: MemoryTree, index: int, size: int) -> None:
    expected = INCLUSION_VECTORS[(index, size)]
    assert hexes(inclusion_proof(index, size, tree8)) == expected
    proof = [bytes.fromhex(h) for h in expected]
    leaf = leaf_hash(LEAF_INPUTS[index])
    r = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(index, size, leaf, proof, r)
    # The probes transparency-dev runs against the same vectors: none may verify.
    probes = [
        (index - 1, size, leaf, proof, r),
        (index + 1, size, leaf, proof, r),
        (index ^ 2, size, leaf, proof, r),
        (index, size * 2, leaf, proof, r),
        (index, size // 2, leaf, proof, r),
        (index, size, leaf_hash(b"WrongLeaf"), proof, r),
        (index, size, leaf, proof, EMPTY_ROOT),
        (index, size, leaf, proof, SOME_HASH),
        (index, size, leaf, [*proof, r], r),
        (index, size, leaf, [r, *proof], r),
        (index, size, leaf, [*proof, b""], r),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, leaf, flipped, r))
    if proof:
        probes.append((index, size, leaf, proof[:-1], r))
    if len(proof) > 1:
        probes.append((index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], r))
    for probe in probes:
        assert not verify_inclusion(*probe), probe


@pytest.mark.parametrize(("first", "second"), list(CONSISTENCY_VECTORS))
def test_consistency_proofs_match_vectors(tree8: MemoryTree, first: int, second: int) -> None:
    expected = CONSISTENCY_VECTORS[(first, second)]
    assert hexes(consistency_proof(first, second, tree8)) == expected
    proof = [bytes.fromhex(h) for h in expected]
    r1, r2 = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert verify_consistency(first, second, r1, r2, proof)
    if not proof:
        return
    probes = [
        (first - 1, second, r1, r2, proof),
        (first + 1, second, r1, r2, proof),
        (first ^ 2, second, r1, r2, proof),
        (first, second * 2, r1, r2, proof),
        (first, second // 2, r1, r2, proof),
        (first, second, SOME_HASH, r2, proof),
        (first, second, r1, SOME_HASH, proof),
        (first, second, r2, r1, proof),
        (first, second, r1, r2, []),
        (first, second, r1, r2, [*proof, r1]),
        (first, second, r1, r2, [*proof, r2]),
        (first, second, r1, r2, [r1, *proof]),
        (first, second, r1, r2, [r2, *proof]),
        (first, second, r1, r2, [proof[0], *proof]),
        (first, second, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((first, second, r1, r2, flipped))
    for probe in probes:
        assert not verify_consistency(*probe), probe


def test_single_leaf_tree() -> None:
    h = leaf_hash(b"data")
    tree = MemoryTree([h])
    assert tree.root() == h
    assert tree.inclusion_proof(0) == []
    assert verify_inclusion(0, 1, h, [], h)
    assert not verify_inclusion(0, 1, h, [], EMPTY_ROOT)
    assert not verify_inclusion(0, 1, b"", [], h)


def test_trivial_consistency() -> None:
    r = leaf_hash(b"x")
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, r, [])
    assert verify_consistency(3, 3, r, r, [])
    assert not verify_consistency(0, 0, r, r, [])  # size 0 has one root
    assert not verify_consistency(0, 5, r, r, [])
    assert not verify_consistency(3, 3, r, SOME_HASH, [])
    assert not verify_consistency(3, 3, r, r, [r])
    assert not verify_consistency(1, 0, r, r, [])
    assert not verify_consistency(1, 2, r, SOME_HASH, [])


# --- new_subtrees ----------------------------------------------------------------------------


def test_new_subtrees_completes_exactly_the_right_nodes(tree8: MemoryTree) -> None:
    store: dict[tuple[int, int], bytes] = {}

    class Lookup:
        def subtree(self, level: int, index: int) -> bytes:
            return store[(level, index)]

    created_per_leaf = []
    for i, data in enumerate(LEAF_INPUTS):
        created = new_subtrees(i, leaf_hash(data), Lookup())
        created_per_leaf.append([(level, index) for level, index, _ in created])
        for level, index, h in created:
            assert (level, index) not in store
            store[(level, index)] = h
    assert created_per_leaf == [
        [(0, 0)],
        [(0, 1), (1, 0)],
        [(0, 2)],
        [(0, 3), (1, 1), (2, 0)],
        [(0, 4)],
        [(0, 5), (1, 2)],
        [(0, 6)],
        [(0, 7), (1, 3), (2, 1), (3, 0)],
    ]
    assert {k: v.hex() for k, v in store.items()} == {
        (level, index): h for level, row in enumerate(NODES) for index, h in enumerate(row)
    }


# --- bad requests ----------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (-1, 5), (5, 5), (8, 7), (True, 3)])
def test_inclusion_proof_rejects_bad_index_or_size(
    tree8: MemoryTree, index: int, size: int
) -> None:
    with pytest.raises(InvalidInput):
        inclusion_proof(index, size, tree8)


@pytest.mark.parametrize(("first", "second"), [(5, 0), (9, 8), (-1, 3), (2, -1)])
def test_consistency_proof_rejects_bad_sizes(tree8: MemoryTree, first: int, second: int) -> None:
    with pytest.raises(InvalidInput):
        consistency_proof(first, second, tree8)


def test_memory_tree_rejects_sizes_beyond_its_leaves(tree8: MemoryTree) -> None:
    for call in (
        lambda: tree8.root(9),
        lambda: tree8.inclusion_proof(0, 9),
        lambda: tree8.consistency_proof(1, 9),
        lambda: root(-1, tree8),
        lambda: tree8.subtree(3, 1),
        lambda: tree8.append(b"short"),
    ):
        with pytest.raises(InvalidInput):
            call()


@given(
    index=st.one_of(st.integers(-3, 2**70), st.booleans(), st.none(), st.text(max_size=2)),
    size=st.one_of(st.integers(-3, 2**70), st.booleans(), st.none(), st.floats()),
    leaf=st.one_of(st.binary(max_size=40), st.none(), st.text(max_size=3)),
    proof=st.one_of(
        st.lists(st.one_of(st.binary(min_size=31, max_size=33), st.none()), max_size=80),
        st.none(),
        st.binary(max_size=64),
        st.text(max_size=3),
    ),
)
def test_verifiers_never_raise(index: object, size: object, leaf: object, proof: object) -> None:
    for r in (EMPTY_ROOT, SOME_HASH, b"", None):
        assert verify_inclusion(index, size, leaf, proof, r) in (True, False)  # type: ignore[arg-type]
        assert verify_consistency(index, size, leaf, r, proof) in (True, False)  # type: ignore[arg-type]


# --- O(log n) lookups ------------------------------------------------------------------------


class ContractLookup:
    """A huge virtual tree: fails on any subtree that is not complete, counts lookups."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lookups = 0

    def subtree(self, level: int, index: int) -> bytes:
        assert level >= 0 and index >= 0
        assert (index + 1) << level <= self.size, (level, index)
        self.lookups += 1
        return hashlib.sha256(f"{level}/{index}".encode()).digest()


@given(st.integers(1, 2**48), st.data())
def test_heads_and_proofs_take_logarithmic_lookups(n: int, data: st.DataObject) -> None:
    m = data.draw(st.integers(1, n))
    i = data.draw(st.integers(0, n - 1))
    bound = 2 * n.bit_length() + 2
    for call in (
        lambda t: root(n, t),
        lambda t: inclusion_proof(i, n, t),
        lambda t: consistency_proof(m, n, t),
    ):
        lookup = ContractLookup(n)
        call(lookup)
        assert lookup.lookups <= bound


# --- properties against a naive oracle -------------------------------------------------------


def naive_mth(leaves: list[bytes]) -> bytes:
    """MTH of RFC 9162 §2.1.1, written as the RFC states it (leaves are leaf hashes)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_mth(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if whole else [naive_mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*naive_subproof(m, leaves[:k], whole), naive_mth(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_mth(leaves[:k])]


def make_leaves(n: int, salt: bytes) -> list[bytes]:
    return [leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


def flip(proof: list[bytes], i: int) -> list[bytes]:
    changed = list(proof)
    changed[i] = bytes([changed[i][0] ^ 1]) + changed[i][1:]
    return changed


def test_exhaustive_small_trees_match_oracle() -> None:
    leaves = make_leaves(33, b"exhaustive")
    tree = MemoryTree(leaves)
    for n in range(1, 34):
        head = naive_mth(leaves[:n])
        assert tree.root(n) == head
        for i in range(n):
            proof = tree.inclusion_proof(i, n)
            assert proof == naive_path(i, leaves[:n])
            assert verify_inclusion(i, n, leaves[i], proof, head)
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m, n)
            assert proof == naive_subproof(m, leaves[:n], True)
            assert verify_consistency(m, n, naive_mth(leaves[:m]), head, proof)


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 300),
    data=st.data(),
    salt=st.binary(max_size=8),
)
def test_inclusion_proofs_verify_and_resist_tampering(
    n: int, data: st.DataObject, salt: bytes
) -> None:
    leaves = make_leaves(n, salt)
    tree = MemoryTree(leaves)
    head = naive_mth(leaves)
    assert tree.root() == head
    i = data.draw(st.integers(0, n - 1), label="leaf_index")
    proof = tree.inclusion_proof(i, n)
    assert proof == naive_path(i, leaves)
    assert verify_inclusion(i, n, leaves[i], proof, head)

    # A changed leaf, or another leaf, does not verify.
    assert not verify_inclusion(i, n, leaf_hash(b"changed" + salt), proof, head)
    if n > 1:
        other = data.draw(st.integers(0, n - 1).filter(lambda j: j != i), label="other")
        assert not verify_inclusion(i, n, leaves[other], proof, head)
        assert not verify_inclusion(other, n, leaves[i], proof, head)
    # Nor does it prove the leaf is in the tree of another size.
    for other_size in {i + 1, n - 1, n + 1, 2 * n, n // 2} - {n}:
        if other_size > i:
            other_head = naive_mth(make_leaves(other_size, salt))
            assert not verify_inclusion(i, other_size, leaves[i], proof, other_head)
    # Truncated, extended or altered proofs do not verify.
    if proof:
        assert not verify_inclusion(i, n, leaves[i], proof[:-1], head)
        assert not verify_inclusion(i, n, leaves[i], proof[1:], head)
        for j in range(len(proof)):
            assert not verify_inclusion(i, n, leaves[i], flip(proof, j), head)
    assert not verify_inclusion(i, n, leaves[i], [*proof, head], head)
    assert not verify_inclusion(i, n, leaves[i], [head, *proof], head)
    assert not verify_inclusion(i, n, leaves[i], proof, leaf_hash(b"another root"))


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 300),
    data=st.data(),
    salt=st.binary(max_size=8),
)
def test_consistency_proofs_verify_and_resist_tampering(
    n: int, data: st.DataObject, salt: bytes
) -> None:
    leaves = make_leaves(n, salt)
    tree = MemoryTree(leaves)
    m = data.draw(st.integers(1, n), label="first")
    first_root, second_root = naive_mth(leaves[:m]), naive_mth(leaves)
    proof = tree.consistency_proof(m, n)
    assert proof == naive_subproof(m, leaves, True)
    assert verify_consistency(m, n, first_root, second_root, proof)

    # Inclusion proofs into the smaller tree still hold against its head.
    i = data.draw(st.integers(0, m - 1), label="leaf_index")
    assert verify_inclusion(i, m, leaves[i], tree.inclusion_proof(i, m), first_root)

    # A tree that differs from the prefix (one changed leaf) is not consistent.
    j = data.draw(st.integers(0, m - 1), label="changed")
    forged = list(leaves)
    forged[j] = leaf_hash(b"forged" + salt)
    forged_root = naive_mth(forged[:m])
    assert not verify_consistency(m, n, forged_root, second_root, proof)

    # Extended proofs never verify, even for equal sizes.
    assert not verify_consistency(m, n, first_root, second_root, [*proof, second_root])
    assert not verify_consistency(m, n, first_root, second_root, [first_root, *proof])
    if m == n:
        assert proof == []
        return
    # Wrong sizes: the proof does not link other trees of the same log.
    for other in {m - 1, m + 1} - {0, n}:
        if 0 < other < n:
            assert not verify_consistency(other, n, naive_mth(leaves[:other]), second_root, proof)
    for other in {n - 1, n + 1, 2 * n} - {m, n}:
        if other > m:
            other_leaves = make_leaves(other, salt)
            other_root = naive_mth(other_leaves)
            assert not verify_consistency(m, other, first_root, other_root, proof)
    # Truncated, altered or swapped proofs do not verify.
    assert proof
    assert not verify_consistency(m, n, first_root, second_root, proof[:-1])
    assert not verify_consistency(m, n, first_root, second_root, proof[1:])
    assert not verify_consistency(m, n, first_root, second_root, [])
    for k in range(len(proof)):
        assert not verify_consistency(m, n, first_root, second_root, flip(proof, k))
    assert not verify_consistency(m, n, second_root, first_root, proof)
