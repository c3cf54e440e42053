"""Ethics layer: the tamper-evident audit log and privacy by design.

- :mod:`trustreach.ethics.audit`: append-only, hash-chained audit records.
- :mod:`trustreach.ethics.privacy`: keyed pseudonyms, the record of processing.
"""
