"""trustreach: an influencer-marketing platform whose AI can be explained, audited and contested.

The package is layered (imports point down only)::

    cli                 adapters: parse input, call one service, map errors
    services            use-cases: domain + store + audit together
    ingest, synth       pure domain code: records in, results out
    ethics              audit log, privacy (pseudonyms, purposes, retention)
    store               SQLAlchemy tables, engines, migrations, bulk writers
    core                settings, exceptions

See ``docs/`` for the interchange format and the command reference.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
