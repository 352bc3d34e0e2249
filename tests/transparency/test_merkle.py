"""The Merkle log's proofs: every honest proof verifies, and a log with an entry removed or
changed fails against a tree head kept from before."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from transparency import merkle

entries = st.lists(st.binary(max_size=16), min_size=1, max_size=40, unique=True)


def _leaves(data):
    return [merkle.leaf_hash(d) for d in data]


def test_the_tree_heads_match_rfc_6962_known_values():
    # Test vectors of the Certificate Transparency reference implementation.
    assert merkle.root_hash([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.root_hash(_leaves([b""])).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    vectors = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
    assert merkle.root_hash(_leaves(vectors)).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@settings(max_examples=60, deadline=None)
@given(entries, st.data())
def test_every_inclusion_proof_verifies_and_a_changed_one_fails(data, draw):
    leaves = _leaves(data)
    root = merkle.root_hash(leaves)
    index = draw.draw(st.integers(0, len(leaves) - 1))
    proof = merkle.inclusion_proof(index, leaves)
    assert merkle.verify_inclusion(leaves[index], index, len(leaves), proof, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), index, len(leaves), proof, root)
    if proof:
        bad = list(proof)
        bad[0] = bytes(32)
        assert not merkle.verify_inclusion(leaves[index], index, len(leaves), bad, root)
    if len(leaves) > 1:
        assert not merkle.verify_inclusion(leaves[index], (index + 1) % len(leaves), len(leaves), proof, root)


@settings(max_examples=60, deadline=None)
@given(entries, st.data())
def test_every_consistency_proof_verifies(data, draw):
    leaves = _leaves(data)
    first = draw.draw(st.integers(0, len(leaves)))
    proof = merkle.consistency_proof(first, leaves)
    assert merkle.verify_consistency(first, len(leaves), merkle.root_hash(leaves[:first]), merkle.root_hash(leaves), proof)


@settings(max_examples=60, deadline=None)
@given(entries, st.data())
def test_a_log_with_an_entry_removed_or_changed_fails_against_the_earlier_tree_head(data, draw):
    leaves = _leaves(data)
    first = draw.draw(st.integers(1, len(leaves)))
    kept_root = merkle.root_hash(leaves[:first])  # the tree head someone kept
    victim = draw.draw(st.integers(0, first - 1))
    later = _leaves(data + [b"later entry"])
    changed = list(later)
    changed[victim] = merkle.leaf_hash(data[victim] + b"!")
    removed = later[:victim] + later[victim + 1:]
    for rewritten in (changed, removed):
        if len(rewritten) < first:
            continue
        proof = merkle.consistency_proof(first, rewritten)
        assert not merkle.verify_consistency(first, len(rewritten), kept_root, merkle.root_hash(rewritten), proof)


def test_the_log_check_runs_with_the_standard_library_and_cryptography_only():
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, transparency.logcheck; print(sorted(m for m in ('django', 'requests', 'portal') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
