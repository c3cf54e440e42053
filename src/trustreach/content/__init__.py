"""Content guidance: when to post, which hashtags, what is rising, and a draft's check.

Every answer comes from the account's own posts, shrunk towards its peers
(same platform and niche) when its history is thin, and carries its evidence
(posts observed), an interval and plain words. Each method is back-tested on
held-back posts of synthetic worlds whose hidden truth is known
(``benchmarks/bench_content.py``); the method and its limits are in
``docs/content.md``.

- :mod:`._timing` — best time to post: expected engagement by weekday and
  hour, controlling for media type, follower growth and the account's trend.
- :mod:`._hashtags` — hashtag suggestions ranked by relevance to the content,
  association with reach, and saturation; never banned, spam-listed or
  ambiguous disclosure tags.
- :mod:`._trends` — rising hashtags, keywords and comment themes against
  their own baseline, with a false-discovery control.
- :mod:`._draft` — format effects (media type, caption length) within
  account, shrunk towards niche peers.
- :mod:`._manipulation` — the manipulation check of a draft caption
  (engagement bait, false urgency, fake scarcity): detectors whose patterns
  are data (``manipulation.toml``), each hit with its rule, evidence span,
  the policies it risks and a fix.

Pure: polars frames in, typed results out; no store, no sessions. The
service layer (:mod:`trustreach.services`) reads the posts
(:func:`trustreach.services._content_data.posts_frame` documents the columns).
"""

from trustreach.content._draft import (
    LENGTH_BUCKETS,
    FormatEffect,
    FormatEffects,
    format_effects,
    length_bucket,
)
from trustreach.content._draft import METHOD_VERSION as FORMAT_METHOD_VERSION
from trustreach.content._hashtag_blocklist import BlockedTag, Blocklist, blocklist, load_blocklist
from trustreach.content._hashtags import (
    HashtagAdvice,
    HashtagEvidence,
    HashtagSuggestion,
    TagEffect,
    caption_niches,
    hashtag_evidence,
    rank_hashtags,
)
from trustreach.content._manipulation import (
    ManipulationFinding,
    ManipulationRules,
    check_manipulation,
    load_manipulation_rules,
    manipulation_rules,
)
from trustreach.content._timing import (
    AudienceZone,
    PostingWindow,
    TimingAdvice,
    WindowLift,
    audience_time_zone,
    best_posting_windows,
)
from trustreach.content._trends import (
    TOPIC_KINDS,
    TREND_METHOD,
    RisingTopic,
    TopicMentions,
    TrendScan,
    detect_rising,
    find_rising_topics,
    topic_mentions,
)

__all__: list[str] = [
    "FORMAT_METHOD_VERSION",
    "LENGTH_BUCKETS",
    "TOPIC_KINDS",
    "TREND_METHOD",
    "AudienceZone",
    "BlockedTag",
    "Blocklist",
    "FormatEffect",
    "FormatEffects",
    "HashtagAdvice",
    "HashtagEvidence",
    "HashtagSuggestion",
    "ManipulationFinding",
    "ManipulationRules",
    "PostingWindow",
    "RisingTopic",
    "TagEffect",
    "TimingAdvice",
    "TopicMentions",
    "TrendScan",
    "WindowLift",
    "audience_time_zone",
    "best_posting_windows",
    "blocklist",
    "caption_niches",
    "check_manipulation",
    "detect_rising",
    "find_rising_topics",
    "format_effects",
    "hashtag_evidence",
    "length_bucket",
    "load_blocklist",
    "load_manipulation_rules",
    "manipulation_rules",
    "rank_hashtags",
    "topic_mentions",
]
