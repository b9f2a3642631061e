"""Regenerate the sample captures in ``captures/`` from real ``openssl cmp`` runs on loopback.

Run ``python -m scripts.captures [--out captures]`` as root; see ``captures/README.md``.
"""
