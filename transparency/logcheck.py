"""Check the city's public log with nothing but Python and `cryptography`:

    python -m transparency.logcheck --key release-signing-key.pem --old sth-kept.json \
        --new https://city.example/log/sth --log https://city.example/log/ [--leaf-hash HEX]

Both tree heads must carry a valid signature, and the log must prove the newer one contains the
older one unchanged (RFC 9162 consistency proof); with --leaf-hash, it must also prove that entry
is in the newer tree. Exits 0 when everything holds, 1 with the reason when not. `--old`, `--new`
and `--key` take a file or a URL; without `--log`, a consistency proof is read from `--proof`.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
import urllib.request
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import merkle


class LogCheckFailed(Exception):
    pass


def _read(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as answer:  # noqa: S310 (the user names the URL)
            return answer.read()
    with open(source, "rb") as f:
        return f.read()


def _json(source: str) -> Any:
    try:
        return json.loads(_read(source))
    except ValueError as exc:
        raise LogCheckFailed(f"{source} is not JSON") from exc


def load_key(source: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(_read(source))
    if not isinstance(key, Ed25519PublicKey):
        raise LogCheckFailed("the key is not an Ed25519 public key")
    return key


def check_consistency(old: dict, new: dict, proof: list[str], key: Ed25519PublicKey) -> None:
    """Raise LogCheckFailed unless both heads are signed and `new` extends `old`."""
    for name, head in (("older", old), ("newer", new)):
        if not merkle.tree_head_verifies(head, key):
            raise LogCheckFailed(f"the {name} tree head's signature does not verify")
    first, second = int(old["tree_size"]), int(new["tree_size"])
    if second < first:
        raise LogCheckFailed(f"the newer tree head ({second} entries) is smaller than the older ({first}): the log shrank")
    if not merkle.verify_consistency(first, second, merkle.unb64(old["root_hash"]), merkle.unb64(new["root_hash"]),
                                     [merkle.unb64(p) for p in proof]):
        raise LogCheckFailed(f"the log of {second} entries is not an extension of the one of {first}: a past entry was removed or changed")


def check_inclusion(leaf_hash_hex: str, index: int, head: dict, audit_path: list[str]) -> None:
    if not merkle.verify_inclusion(bytes.fromhex(leaf_hash_hex), index, int(head["tree_size"]), [merkle.unb64(p) for p in audit_path],
                                   merkle.unb64(head["root_hash"])):
        raise LogCheckFailed(f"entry {leaf_hash_hex} is not in the tree of {head['tree_size']} entries")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m transparency.logcheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("--key", required=True, help="the city's public key (PEM file or URL)")
    parser.add_argument("--old", required=True, help="a tree head you kept (JSON file or URL)")
    parser.add_argument("--new", required=True, help="a newer tree head (JSON file or URL)")
    parser.add_argument("--log", help="the log's base URL, e.g. https://city.example/log/")
    parser.add_argument("--proof", help="a consistency proof (JSON file) instead of asking --log")
    parser.add_argument("--leaf-hash", help="also check that this entry is in the newer tree (hex)")
    args = parser.parse_args(argv)
    try:
        key, old, new = load_key(args.key), _json(args.old), _json(args.new)
        first, second = int(old["tree_size"]), int(new["tree_size"])
        if args.proof:
            proof = _json(args.proof)["consistency"]
        elif args.log:
            base = args.log.rstrip("/") + "/"
            proof = [] if first == second or second < first else _json(
                base + "proof/consistency?" + urllib.parse.urlencode({"first": first, "second": second}))["consistency"]
        else:
            raise LogCheckFailed("give --log or --proof")
        check_consistency(old, new, proof, key)
        print(f"OK: the log of {second} entries extends the one of {first} you kept.")
        if args.leaf_hash:
            if not args.log:
                raise LogCheckFailed("--leaf-hash needs --log")
            answer = _json(args.log.rstrip("/") + "/proof/inclusion?" + urllib.parse.urlencode({"leaf_hash": args.leaf_hash, "tree_size": second}))
            check_inclusion(args.leaf_hash, int(answer["leaf_index"]), new, answer["audit_path"])
            print(f"OK: entry {args.leaf_hash} is entry {answer['leaf_index']} of the log.")
    except (LogCheckFailed, KeyError, TypeError, ValueError, OSError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
