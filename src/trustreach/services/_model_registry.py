"""The model registry: every model and fitted artefact the package ships, with its papers.

One entry per model in use: what it does, the files it loads, its version (a
digest of those files, read from the installed package), its model card, the
command that rebuilds it, the data it was trained on and that data's licence.
Two datasets carry non-commercial licences (InstaFake CC BY-NC 4.0, Twitter
US Airline CC BY-NC-SA 4.0): an entry trained on them says so in
``commercial_use``. ``tests/test_model_registry.py`` checks that every file in
the package's model folders belongs to an entry and that every card exists.

Pure reads of the installed package: no store, no network.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["ARTEFACT_FOLDERS", "MODELS", "ModelEntry", "model_registry", "registry_dicts"]

#: Package folders whose every file is a shipped model artefact (or its card copy).
ARTEFACT_FOLDERS: tuple[str, ...] = ("audience/models", "nlp/models")

_INSTAFAKE = "InstaFake fake-account task (Akyon & Kalfaoglu 2019), 70 % training sample"
_INSTAFAKE_LICENCE = "CC BY-NC 4.0 (non-commercial; attribute the authors)"
_NON_COMMERCIAL = "no: non-commercial licence; sign-off needed before commercial use"
_SEMEVAL = "SemEval-2017 Task 4 subtask A gold data, 2013-2016 editions (English tweets, SMS)"
_RESEARCH = "research use (SemEval organisers); Twitter's terms apply"
_TWEETEVAL_LICENCE = "research use (TweetEval: OLID, HatEval); Twitter's terms apply"
_UNCLEAR = "unclear: research-use data; check before commercial use"
_TEXT_CMD = (
    "python scripts/train_text_models.py --semeval PATH/semeval_sentiment "
    "--tweeteval PATH/tweeteval --seed 0"
)


@dataclass(frozen=True)
class ModelEntry:
    """One shipped model (or fitted artefact) and its accountability papers.

    Attributes
    ----------
    name : str
        Registry name (the artefact's stem).
    task : str
        What it does, in plain words.
    kind : str
        ``classifier`` (gives a probability per item), ``embedding``,
        ``calibration``, ``word list`` or ``fitted parameters``.
    files : tuple of str
        Package-relative paths it loads; the first names its version.
    card : str
        Repository path of its model card (or the page that documents it).
    training_command : str
        The command that rebuilds it (``PATH`` is the training-data folder).
    training_data : str
    licence : str
        The training data's licence.
    commercial_use : str
        Whether the data's licence allows commercial use, in plain words.
    evaluation_only : str
        Data used only to evaluate it (never to fit), with its licence; may be empty.
    """

    name: str
    task: str
    kind: str
    files: tuple[str, ...]
    card: str
    training_command: str
    training_data: str
    licence: str
    commercial_use: str
    evaluation_only: str = ""

    @property
    def version(self) -> str:
        """``NAME@`` + 12 hex digits of the SHA-256 of the first file (as installed)."""
        return f"{self.name}@{_digest(self.files[0])[:12]}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "task": self.task,
            "kind": self.kind,
            "files": list(self.files),
            "card": self.card,
            "training_command": self.training_command,
            "training_data": self.training_data,
            "licence": self.licence,
            "commercial_use": self.commercial_use,
            "evaluation_only": self.evaluation_only,
        }


@functools.cache
def _digest(path: str) -> str:
    package, _, rest = path.partition("/")
    root = resources.files("trustreach")
    return hashlib.sha256((root / package / rest).read_bytes()).hexdigest()


MODELS: tuple[ModelEntry, ...] = (
    ModelEntry(
        name="fake_account",
        task="probability that a follower account shows signs of being fake or automated",
        kind="classifier",
        files=(
            "audience/models/fake_account.txt",
            "audience/models/fake_account.json",
            "audience/models/MODEL_CARD.md",
        ),
        card="docs/models/fake_account.md",
        training_command=(
            "trustreach train authenticity --data PATH/instafake/fake_accounts_train.jsonl --seed 0"
        ),
        training_data=_INSTAFAKE,
        licence=_INSTAFAKE_LICENCE,
        commercial_use=_NON_COMMERCIAL,
    ),
    ModelEntry(
        name="follower_params",
        task="distributions the synthetic demo world samples follower accounts from",
        kind="fitted parameters",
        files=("synth/follower_params.json",),
        card="docs/interchange.md",
        training_command=(
            "python scripts/fit_follower_params.py --data PATH/instafake/fake_accounts_train.jsonl "
            "--out src/trustreach/synth/follower_params.json"
        ),
        training_data=_INSTAFAKE,
        licence=_INSTAFAKE_LICENCE,
        commercial_use=_NON_COMMERCIAL,
    ),
    ModelEntry(
        name="sentiment_fast",
        task="comment sentiment (negative, neutral, positive), fast linear tier",
        kind="classifier",
        files=("nlp/models/sentiment_fast.npy", "nlp/models/sentiment_fast.json"),
        card="docs/models/sentiment_fast.md",
        training_command=_TEXT_CMD + " --only sentiment",
        training_data=_SEMEVAL,
        licence=_RESEARCH,
        commercial_use=_UNCLEAR,
        evaluation_only="Twitter US Airline Sentiment, CC BY-NC-SA 4.0 (non-commercial)",
    ),
    ModelEntry(
        name="lexicon_calibration",
        task="probabilities for the VADER lexicon sentiment tier",
        kind="calibration",
        files=("nlp/models/lexicon_calibration.json",),
        card="docs/models/sentiment_fast.md",
        training_command=_TEXT_CMD + " --only sentiment",
        training_data=_SEMEVAL,
        licence=_RESEARCH + "; VADER itself is MIT-licensed",
        commercial_use=_UNCLEAR,
    ),
    ModelEntry(
        name="sentiment_accurate",
        task="comment sentiment (negative, neutral, positive), accurate transformer tier",
        kind="classifier",
        files=(
            "nlp/models/sentiment_accurate.onnx",
            "nlp/models/sentiment_accurate.json",
            "nlp/models/minilm_word_embeddings.npy",
        ),
        card="docs/models/sentiment_accurate.md",
        training_command=(
            "python scripts/train_accurate_sentiment.py --train PATH/semeval_sentiment/train.tsv "
            "--val PATH/semeval_sentiment/val.tsv --teacher-wheel WHEEL --out OUT --seed 0"
        ),
        training_data=_SEMEVAL + "; base model all-MiniLM-L6-v2 (Apache-2.0)",
        licence=_RESEARCH,
        commercial_use=_UNCLEAR,
        evaluation_only="Twitter US Airline Sentiment, CC BY-NC-SA 4.0 (non-commercial)",
    ),
    ModelEntry(
        name="offensive",
        task="probability that a comment contains offensive language, fast linear tier",
        kind="classifier",
        files=("nlp/models/offensive.npy", "nlp/models/offensive.json"),
        card="docs/models/brand_safety.md",
        training_command=_TEXT_CMD + " --only offensive",
        training_data="TweetEval offensive (OffensEval-2019, OLID) train",
        licence=_TWEETEVAL_LICENCE,
        commercial_use=_UNCLEAR,
    ),
    ModelEntry(
        name="hate",
        task="probability that a comment contains hate speech, fast linear tier",
        kind="classifier",
        files=("nlp/models/hate.npy", "nlp/models/hate.json"),
        card="docs/models/brand_safety.md",
        training_command=_TEXT_CMD + " --only hate",
        training_data="TweetEval hate (HatEval-2019, SemEval-2019 Task 5, English) train",
        licence=_TWEETEVAL_LICENCE,
        commercial_use=_UNCLEAR,
    ),
    ModelEntry(
        name="safety_accurate",
        task="offensive-language and hate-speech probabilities, accurate transformer tier",
        kind="classifier",
        files=("nlp/models/safety_accurate.onnx", "nlp/models/safety_accurate.json"),
        card="docs/models/brand_safety.md",
        training_command=(
            "python scripts/train_accurate_safety.py --tweeteval PATH/tweeteval "
            "--teacher-wheel WHEEL --out OUT --seed 0"
        ),
        training_data="TweetEval offensive and hate train; base model all-MiniLM-L6-v2 "
        "(Apache-2.0)",
        licence=_TWEETEVAL_LICENCE,
        commercial_use=_UNCLEAR,
    ),
    ModelEntry(
        name="static_minilm",
        task="static sentence embedding (topic fit, features of the text classifiers)",
        kind="embedding",
        files=("nlp/models/static_minilm.npy", "nlp/models/static_minilm.json"),
        card="docs/models/text_embedding.md",
        training_command=(
            "python scripts/build_text_embedding.py --teacher-wheel WHEEL --seed 0 "
            "--out src/trustreach/nlp/models"
        ),
        training_data="none of ours: distilled from all-MiniLM-L6-v2's vocabulary",
        licence="Apache-2.0 (the teacher model)",
        commercial_use="yes (Apache-2.0)",
    ),
    ModelEntry(
        name="english_words",
        task="words the English text models know (language gate for short texts)",
        kind="word list",
        files=("nlp/models/english_words.txt",),
        card="docs/conversation.md",
        training_command=(
            "python scripts/build_english_words.py --semeval PATH/semeval_sentiment "
            "--tweeteval PATH/tweeteval --out src/trustreach/nlp/models/english_words.txt"
        ),
        training_data="SemEval sentiment train and TweetEval offensive and hate train",
        licence=_TWEETEVAL_LICENCE,
        commercial_use=_UNCLEAR,
    ),
    ModelEntry(
        name="promo_caption",
        task="probability that a post's caption promotes a brand (possible undisclosed "
        "promotion, for review)",
        kind="classifier",
        files=(
            "nlp/models/promo_caption.npy",
            "nlp/models/promo_caption.json",
            # its sentence vector comes from the safety encoder's graph
            "nlp/models/safety_accurate.onnx",
            "nlp/models/safety_accurate.json",
            "nlp/models/minilm_word_embeddings.npy",
        ),
        card="docs/models/promo_caption.md",
        training_command=(
            "python scripts/train_promo.py --data PATH/promo_instagram/train.csv --seed 0"
        ),
        training_data="promo_instagram (Leung & Yang 2019): 1,065 Instagram captions from "
        "43 public accounts, 2018-2019; frozen sentence vectors of the safety_accurate encoder "
        "(TweetEval fine-tune of all-MiniLM-L6-v2)",
        licence="none stated: internal use only (its encoder: " + _TWEETEVAL_LICENCE + ")",
        commercial_use="no licence stated: internal use only until one is obtained",
    ),
)


def model_registry() -> list[ModelEntry]:
    """Every registered model, in registry order."""
    return list(MODELS)


def registry_dicts() -> list[dict[str, Any]]:
    """The registry as plain dictionaries (for JSON, the API and the DPIA draft)."""
    return [entry.to_dict() for entry in MODELS]
