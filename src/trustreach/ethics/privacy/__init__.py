"""Privacy by design: keyed pseudonyms at the edge and the record of processing.

Third parties (followers, commenters) never signed up, so trustreach keeps
only a keyed-hash pseudonym of their id, keyed with an install secret stored outside
the database. Without the key a pseudonym cannot be linked back to a handle;
with it, one subject can be found and erased by key.

The record of processing (which tables hold personal data, why, for how
long) is declared beside the tables: :func:`trustreach.store.processing_register`.

Audience breakdowns shown to brands hide buckets under a minimum number of
people and the complementary buckets that would reveal them
(:func:`suppress_small_buckets`, :func:`suppress_shares`).
"""

from trustreach.ethics.privacy._pseudonym import (
    Pseudonymizer,
    load_or_create_key,
    mask_mentions,
    username_features,
)
from trustreach.ethics.privacy._suppression import (
    DEFAULT_MINIMUM,
    Breakdown,
    suppress_shares,
    suppress_small_buckets,
)

__all__ = [
    "DEFAULT_MINIMUM",
    "Breakdown",
    "Pseudonymizer",
    "load_or_create_key",
    "mask_mentions",
    "suppress_shares",
    "suppress_small_buckets",
    "username_features",
]
