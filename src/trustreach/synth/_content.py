"""Posts and comments, with the hidden best-time structure and injected engagement fraud."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from trustreach.synth._commerce import Sponsored
from trustreach.synth._lexicon import Niche
from trustreach.synth._phrases import (
    BOT_SPAM,
    BOT_TEXTS,
    CAPTION_OTHER,
    COMMENT_NOUNS,
    COMMENTS_EN,
    COMMENTS_OTHER,
    DISCLOSURE_QUESTIONS,
    MENTION_TAILS,
    POD_TEXTS,
)
from trustreach.synth._population import Account, Creator

_BASE_ER = {"instagram": 0.05, "tiktok": 0.07, "youtube": 0.035}
_MEDIA = {
    "instagram": (("image", "carousel", "reel", "video"), (0.3, 0.25, 0.4, 0.05)),
    "tiktok": (("video",), (1.0,)),
    "youtube": (("video", "short"), (0.55, 0.45)),
}
_MEDIA_MULT = {"image": 1.0, "carousel": 1.15, "reel": 1.1, "video": 0.9, "short": 1.0}
_LIKE_PER_VIEW = {"instagram": 0.07, "tiktok": 0.09, "youtube": 0.04}
_SHARE_PER_LIKE = {"instagram": 0.03, "tiktok": 0.05, "youtube": 0.015}
HOUR_PEAK = 0.7  # engagement x(1 + 0.7) at a niche's best hour
WEEKDAY_BOOST = 1.3  # engagement x1.3 on a niche's best weekdays
SENTIMENT = ("positive", "neutral", "negative")


def time_multiplier(niche: Niche, hour: int, weekday: int) -> float:
    """Hidden engagement multiplier of posting at ``hour`` (UTC) on ``weekday``."""
    dist = min(min(abs(hour - h), 24 - abs(hour - h)) for h in niche.best_hours_utc)
    bump = 1.0 + HOUR_PEAK * math.exp(-(dist**2) / (2 * 1.2**2))
    return bump * (WEEKDAY_BOOST if weekday in niche.best_weekdays else 1.0)


@dataclass
class Post:
    """A post being generated; ``row`` is the written record."""

    account: Account
    creator: Creator
    when: datetime
    day: int
    media: str
    sponsored: Sponsored | None
    row: dict[str, Any] = field(default_factory=dict)
    organic_comments: int = 0


def _caption(
    cr: Creator, acc: Account, sp: Sponsored | None, rng: np.random.Generator
) -> tuple[str, list[str]]:
    niche = cr.niche
    if cr.language == "en" or cr.language not in CAPTION_OTHER:
        body = niche.captions[int(rng.integers(0, len(niche.captions)))]
        body = body.replace("{noun}", niche.nouns[int(rng.integers(0, len(niche.nouns)))])
    else:
        pool = CAPTION_OTHER[cr.language]
        body = pool[int(rng.integers(0, len(pool)))].replace("{topic}", niche.topics[0])
    if rng.random() < 0.4:
        body += " " + ("✨", "🙌", "💛", "🔥", "😅", "👇")[int(rng.integers(0, 6))]
    top = 4 if acc.platform == "youtube" else 8
    k = int(rng.integers(0, top))
    if sp is not None and sp.status == "buried":
        k = max(k, 6)
    tags = [niche.hashtags[int(i)] for i in rng.choice(len(niche.hashtags), k, replace=False)]
    if acc.platform == "tiktok" and rng.random() < 0.5:
        tags.append("fyp")
    if sp is not None:
        handle = sp.brand.handle
        if sp.status == "missing":
            body += f" Loving my new favourite from @{handle}"
        else:
            body += f" Partnered with @{handle} on this one"
        if sp.affiliate_code:
            body += f" - use code {sp.affiliate_code} for a discount"
        body += "."
    lead: list[str] = []
    if sp is not None and sp.status == "disclosed" and sp.tag:
        lead = [sp.tag[1:]]
        body = f"{sp.tag} {body}"
    if sp is not None and sp.status == "buried":
        tags.append("ad")
        text = body + "\n.\n.\n.\n" + " ".join("#" + t for t in tags)
    else:
        text = body + ("\n\n" + " ".join("#" + t for t in tags) if tags else "")
    return text, lead + tags


def make_posts(
    creators: list[Creator],
    sponsored: list[Sponsored],
    days: int,
    start: date,
    rng: np.random.Generator,
) -> list[Post]:
    """Schedule and measure every post (before injected engagement fraud)."""
    by_account: dict[int, list[Sponsored]] = {}
    for item in sponsored:
        by_account.setdefault(item.account.index, []).append(item)
    posts: list[Post] = []
    for cr in creators:
        for acc in cr.accounts:
            mine = by_account.get(acc.index, [])
            n = max(3, round(rng.uniform(30, 90) * days / 180))
            n_org = max(1, n - len(mine))
            slots: list[tuple[int, Sponsored | None]] = [
                (int(d), None) for d in rng.integers(0, days, n_org)
            ]
            slots += [(m.day, m) for m in mine]
            drafts = []
            for day, slot in slots:
                if rng.random() < 0.55:
                    hour = (
                        cr.habit_hours[int(rng.integers(0, 2))] + round(float(rng.normal(0, 1.5)))
                    ) % 24
                else:
                    hour = int(rng.integers(7, 24))
                d = start + timedelta(days=day)
                when = datetime(
                    d.year,
                    d.month,
                    d.day,
                    int(hour),
                    int(rng.integers(0, 60)),
                    int(rng.integers(0, 60)),
                    tzinfo=UTC,
                )
                names, p = _MEDIA[acc.platform]
                media = names[int(rng.choice(len(names), p=p))]
                drafts.append(Post(acc, cr, when, day, media, slot))
            drafts.sort(key=lambda q: q.when)
            posts.extend(drafts)
    for i, post in enumerate(posts):
        _measure(post, f"post-{i + 1:05d}", rng)
    return posts


def _measure(post: Post, post_id: str, rng: np.random.Generator) -> None:
    acc, cr, sp = post.account, post.creator, post.sponsored
    base = float(acc.organic[post.day])
    er = float(np.clip(_BASE_ER[acc.platform] * (base / 1e4) ** -0.22, 0.003, 0.25))
    mult = time_multiplier(cr.niche, post.when.hour, post.when.weekday())
    mult *= _MEDIA_MULT[post.media] * cr.quality * float(rng.lognormal(0.0, 0.35))
    if sp is not None:
        mult *= 0.8
    likes = round(base * er * mult)
    comments = round(likes * cr.comment_ratio * float(rng.lognormal(0.0, 0.3)))
    views = None
    if acc.platform != "instagram" or post.media in ("reel", "video"):
        ratio = _LIKE_PER_VIEW[acc.platform] * float(rng.lognormal(0.0, 0.3))
        views = round(likes / ratio)
    shares = round(likes * _SHARE_PER_LIKE[acc.platform] * float(rng.lognormal(0.0, 0.5)))
    saves = round(likes * 0.05 * float(rng.lognormal(0.0, 0.4)))
    caption, hashtags = _caption(cr, acc, sp, rng)
    if sp is not None:
        sp.post_id = post_id
    post.row = {
        "post_id": post_id,
        "account_id": acc.account_id,
        "posted_at": post.when,
        "media_type": post.media,
        "caption": caption,
        "hashtags": hashtags,
        "likes": likes,
        "comments": comments,
        "views": views,
        "shares": shares,
        "saves": saves if acc.platform == "instagram" else None,
        "paid_partnership": bool(sp is not None and sp.paid_partnership),
        "campaign_id": sp.campaign_id if sp is not None else None,
    }
    post.organic_comments = comments


def boost(post: Post, likes: float, comments: int = 0, views: float = 1.0) -> None:
    """Scale likes/views and add comments on an already measured post."""
    row = post.row
    row["likes"] = round(row["likes"] * likes)
    row["comments"] += comments
    if row["views"] is not None:
        row["views"] = round(row["views"] * views)


class CommentMaker:
    """Writes comments for posts from the account's follower sample."""

    def __init__(
        self,
        usernames: npt.NDArray[np.str_],
        is_fake: npt.NDArray[np.bool_],
        follower_ids: list[str],
        end: datetime,
        rng: np.random.Generator,
    ) -> None:
        self.usernames = usernames
        self.is_fake = is_fake
        self.ids = follower_ids
        self.end = end
        self.rng = rng

    def _when(self, post: Post, seconds: float) -> datetime:
        return min(post.when + timedelta(seconds=int(seconds)), self.end)

    def _text(self, cr: Creator, label: str, rows: npt.NDArray[np.int64]) -> str:
        rng = self.rng
        other = [k for k in COMMENTS_OTHER if k != cr.language]
        if cr.language in COMMENTS_OTHER and rng.random() < 0.6:
            pool = COMMENTS_OTHER[cr.language][label]
            return pool[int(rng.integers(0, len(pool)))]
        if rng.random() < 0.05:
            lang = other[int(rng.integers(0, len(other)))]
            pool = COMMENTS_OTHER[lang][label]
            return pool[int(rng.integers(0, len(pool)))]
        tmpl = COMMENTS_EN[label][int(rng.integers(0, len(COMMENTS_EN[label])))]
        nouns = COMMENT_NOUNS[cr.niche.name]
        text = tmpl.replace("{noun}", nouns[int(rng.integers(0, len(nouns)))])
        if label != "negative" and rng.random() < 0.12:
            friend = self.usernames[int(rows[int(rng.integers(0, rows.size))])]
            tail = MENTION_TAILS[int(rng.integers(0, len(MENTION_TAILS)))]
            text = f"@{friend} {tail}" if rng.random() < 0.35 else f"@{friend} {text}"
        return text

    def organic(self, post: Post) -> list[dict[str, Any]]:
        """Ordinary comments with a sentiment mix; authors mostly authentic followers."""
        rng = self.rng
        rows = post.account.follower_rows
        fake = self.is_fake[rows]
        weights = np.where(fake, 0.04, 1.0)
        weights = weights / weights.sum()
        n = min(
            post.organic_comments, int(rng.poisson(3 + 1.2 * math.log1p(post.organic_comments)))
        )
        sp = post.sponsored
        neg = 0.12 * post.creator.negativity * (1.6 if sp is not None else 1.0)
        probs = np.array([0.62, 0.26, neg])
        probs = probs / probs.sum()
        out = []
        for _ in range(n):
            label = SENTIMENT[int(rng.choice(3, p=probs))]
            if sp is not None and sp.status != "disclosed" and rng.random() < 0.1:
                label = "neutral"
                text = DISCLOSURE_QUESTIONS[int(rng.integers(0, len(DISCLOSURE_QUESTIONS)))]
            else:
                text = self._text(post.creator, label, rows)
            author = int(rows[int(rng.choice(rows.size, p=weights))])
            out.append(self._row(post, author, rng.exponential(5 * 3600), text, label, "organic"))
        return out

    def pod(self, post: Post, members: list[int]) -> list[dict[str, Any]]:
        """Early, effusive comments from engagement-pod members."""
        rng = self.rng
        out = []
        for m in members:
            text = POD_TEXTS[int(rng.integers(0, len(POD_TEXTS)))]
            out.append(self._row(post, m, rng.uniform(60, 45 * 60), text, "positive", "pod"))
        return out

    def bots(self, post: Post, size: int) -> list[dict[str, Any]]:
        """A burst of generic, repeated or emoji-only comments from fake-looking accounts."""
        rng = self.rng
        rows = post.account.follower_rows
        fakes = rows[self.is_fake[rows]]
        if fakes.size == 0:
            fakes = rows
        script = [BOT_TEXTS[int(i)] for i in rng.choice(len(BOT_TEXTS), 3, replace=False)]
        out = []
        for _ in range(size):
            if rng.random() < 0.7:
                text = script[int(rng.integers(0, 3))]
            else:
                text = BOT_TEXTS[int(rng.integers(0, len(BOT_TEXTS)))]
            label = "neutral" if text in BOT_SPAM else "positive"
            author = int(fakes[int(rng.integers(0, fakes.size))])
            out.append(self._row(post, author, rng.uniform(20, 15 * 60), text, label, "bot"))
        return out

    def _row(
        self, post: Post, author: int, delay: float, text: str, label: str, kind: str
    ) -> dict[str, Any]:
        likes = int(self.rng.geometric(0.45)) - 1 if kind != "bot" else 0
        return {
            "comment_id": "",
            "post_id": post.row["post_id"],
            "author_id": self.ids[author],
            "posted_at": self._when(post, delay),
            "text": text,
            "likes": likes,
            "_label": label,
            "_kind": kind,
        }
