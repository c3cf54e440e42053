"""Ethics layer: the tamper-evident audit log and privacy by design.

- :mod:`trustreach.ethics.audit`: append-only, hash-chained audit records.
- :mod:`trustreach.ethics.privacy`: keyed pseudonyms, the record of processing.
- :mod:`trustreach.ethics.fairness`: FA*IR fair top-k re-ranking and exposure /
  impact audits of shortlists by declared group (pure; groundwork for discovery).
"""
