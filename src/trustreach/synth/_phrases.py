"""Caption and comment phrases of the synthetic world (all invented, some non-English)."""

from __future__ import annotations

CAPTION_OTHER: dict[str, tuple[str, ...]] = {
    "es": (
        "Nuevo post de {topic} 🙌",
        "¿Qué opinan de esto?",
        "Un día más haciendo lo que amo ✨",
        "Les comparto mi rutina de {topic}",
        "Esto fue un antes y un después",
    ),
    "pt": (
        "Novo post sobre {topic} 🙌",
        "O que vocês acham?",
        "Mais um dia fazendo o que amo ✨",
        "Minha rotina de {topic}, sem filtro",
        "Salva pra ver depois!",
    ),
    "fr": (
        "Nouveau post {topic} 🙌",
        "Vous en pensez quoi ?",
        "Encore une journée à faire ce que j'aime ✨",
        "Ma routine {topic}, sans filtre",
        "Enregistre pour plus tard !",
    ),
    "de": (
        "Neuer {topic}-Post 🙌",
        "Was meint ihr dazu?",
        "Noch ein Tag, an dem ich tue, was ich liebe ✨",
        "Meine {topic}-Routine, ganz ehrlich",
        "Speichern für später!",
    ),
    "it": (
        "Nuovo post di {topic} 🙌",
        "Voi che ne pensate?",
        "Un altro giorno a fare ciò che amo ✨",
        "La mia routine di {topic}, senza filtri",
        "Salvalo per dopo!",
    ),
}

# what commenters call a niche's posts (fills {noun} in comment templates)
COMMENT_NOUNS: dict[str, tuple[str, ...]] = {
    "beauty": ("look", "routine", "shade"),
    "fitness": ("workout", "routine", "progress"),
    "gaming": ("clip", "play", "setup"),
    "food": ("recipe", "dish", "bake"),
    "travel": ("place", "view", "trip"),
    "tech": ("setup", "review", "gadget"),
    "fashion": ("outfit", "fit", "look"),
    "parenting": ("idea", "tip", "routine"),
    "finance": ("tip", "breakdown", "advice"),
    "music": ("track", "cover", "song"),
}

# sentiment -> English templates ({noun} filled from COMMENT_NOUNS)
COMMENTS_EN: dict[str, tuple[str, ...]] = {
    "positive": (
        "Love this {noun} so much 😍",
        "This is exactly what I needed today",
        "Obsessed!! 🔥",
        "You always make it look so easy",
        "Saving this for later, thank you!",
        "Best {noun} I've seen this week honestly",
        "Okay this is genius",
        "Tried it and it worked 🙌",
        "So good, can't wait to try it",
        "This made my day ✨",
        "Underrated post tbh",
        "The {noun} looks amazing",
    ),
    "neutral": (
        "Where did you find this {noun}?",
        "How long did this take?",
        "Is there a link?",
        "Does this work for beginners?",
        "Part 2?",
        "What camera do you use?",
        "Is this available in the UK?",
        "First time seeing this kind of {noun}",
        "Which one would you pick?",
        "Can you share more about the {noun}?",
    ),
    "negative": (
        "Not a fan of this one tbh",
        "This looks overpriced",
        "Too many ads lately 😕",
        "Didn't work for me at all",
        "Meh, seen better {noun}s",
        "The audio is way too loud",
        "This is misleading",
        "Honestly disappointed with this {noun}",
        "Feels like every post is sponsored now",
        "Not convinced, sorry",
    ),
}
COMMENTS_OTHER: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "positive": ("¡Me encanta! 😍", "Qué bonito, gracias por compartir", "Increíble 🔥"),
        "neutral": ("¿Dónde lo compraste?", "¿Cuánto cuesta?", "¿Hay segunda parte?"),
        "negative": ("No me gusta nada", "Demasiada publicidad", "Qué decepción"),
    },
    "pt": {
        "positive": ("Amei demais 😍", "Que lindo, obrigada por compartilhar", "Perfeito 🔥"),
        "neutral": ("Onde você comprou?", "Quanto custa?", "Tem parte 2?"),
        "negative": ("Não gostei", "Muita propaganda", "Que decepção"),
    },
    "fr": {
        "positive": ("J'adore ! 😍", "Trop beau, merci du partage", "Incroyable 🔥"),
        "neutral": ("C'est où ?", "Ça coûte combien ?", "Il y a une suite ?"),
        "negative": ("Pas fan du tout", "Trop de pubs", "Franchement décevant"),
    },
    "de": {
        "positive": ("Liebe ich! 😍", "So schön, danke fürs Teilen", "Mega 🔥"),
        "neutral": ("Wo gibt es das?", "Was kostet das?", "Gibt es einen zweiten Teil?"),
        "negative": ("Gefällt mir gar nicht", "Zu viel Werbung", "Echt enttäuschend"),
    },
    "it": {
        "positive": ("Lo adoro! 😍", "Bellissimo, grazie", "Fantastico 🔥"),
        "neutral": ("Dove l'hai preso?", "Quanto costa?", "C'è una seconda parte?"),
        "negative": ("Non mi piace", "Troppa pubblicità", "Che delusione"),
    },
}
MENTION_TAILS = (
    "look at this!",
    "we need to try this",
    "this is so you 😂",
    "remember this?",
    "told you",
    "for our trip",
)
DISCLOSURE_QUESTIONS = ("Is this an ad?", "Are you paid for this?", "Sponsored much?")

BOT_TEXTS = (
    "nice pic!!",
    "love this 🔥",
    "Great post 👍",
    "Awesome!!",
    "wow",
    "cool 👏",
    "Amazing content",
    "Nice 😍",
    "so cute",
    "👍👍",
    "😍😍😍",
    "🔥🔥🔥",
    "❤️❤️",
    "💯",
    "👏👏👏",
    "DM us to collab 💰",
    "Promote it on @growfast_official",
    "Check my page for free followers",
)
BOT_SPAM = frozenset(BOT_TEXTS[-3:])
POD_TEXTS = (
    "Absolutely stunning content as always! 🙌🔥",
    "Yesss this is amazing!! 😍😍",
    "Such a vibe ✨✨ keep going!",
    "Obsessed with this one!! 💯",
    "Wow wow wow 🔥 love it",
    "This is everything 🙌 so inspiring",
    "Killing it as usual!! 👏👏",
    "Pure gold, saving this 💛",
)
