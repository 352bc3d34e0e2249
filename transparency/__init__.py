"""The public Merkle tree log, in a form anyone can run: no Django, standard library and
`cryptography` only (`python -m transparency.logcheck`)."""
