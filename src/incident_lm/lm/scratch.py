"""A small BERT trained from scratch on incident text, with its own WordPiece tokenizer.

The tokenizer is learnt from the training reports only (BERT normalisation: lower case, accents
kept, punctuation split) by deterministic BPE-style merges into a WordPiece vocabulary, and the de-identification placeholders found in them (``[PERSON]``,
``[NHS_NUMBER]``, ...) are kept whole as added tokens. The model is a few-layer ``BertForMaskedLM``
trained by the same phases and loop as the tuned model (:func:`incident_lm.lm.recipes.scratch`), and
saved as an ``AutoModel`` directory that the ``bert`` representation loads like any other.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from incident_lm.encoders.hf import ensure_offline
from incident_lm.lm.config import ScratchModelConfig

log = logging.getLogger(__name__)

#: A de-identification placeholder: upper-case letters, digits and underscores in brackets.
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*\]")
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def placeholders(texts: Sequence[str], min_count: int = 1) -> list[str]:
    """De-identification placeholders occurring at least ``min_count`` times, sorted."""
    counts = Counter(m for t in texts for m in PLACEHOLDER.findall(t or ""))
    return sorted(p for p, c in counts.items() if c >= min_count and p not in SPECIAL_TOKENS)


def word_counts(texts: Sequence[str], lowercase: bool = True) -> Counter[str]:
    """Counts of the words BERT's normaliser and pre-tokeniser make of ``texts`` (placeholders removed)."""
    from tokenizers.normalizers import BertNormalizer
    from tokenizers.pre_tokenizers import BertPreTokenizer

    norm = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False if lowercase else None,
                          lowercase=lowercase)
    pre = BertPreTokenizer()
    counts: Counter[str] = Counter()
    for text in texts:
        if text:
            counts.update(w for w, _ in pre.pre_tokenize_str(norm.normalize_str(PLACEHOLDER.sub(" ", text))))
    return counts


def learn_wordpiece_vocab(counts: Mapping[str, int], vocab_size: int, min_frequency: int = 2,
                          specials: Sequence[str] = SPECIAL_TOKENS, max_alphabet: int = 1000,
                          max_word_chars: int = 100) -> list[str]:
    """A WordPiece vocabulary learnt by BPE-style merges, deterministically.

    Words start as characters (continuations prefixed ``##``); the most frequent adjacent pair
    is merged until ``vocab_size`` entries or no pair reaches ``min_frequency``. Ties are broken
    by the pair's text, so the same counts always give the same vocabulary in the same order
    (the ``tokenizers`` trainer breaks ties by hash order and differs from run to run).

    Parameters
    ----------
    counts : mapping word -> count
    vocab_size : int
        Target size including ``specials`` and the alphabet.
    min_frequency : int
        Minimum weighted count of a merged pair.
    specials : sequence of str
        First entries, in this order.
    max_alphabet : int
        Keep at most this many characters (most frequent first); rarer ones become [UNK].
    max_word_chars : int
        Longer words are skipped (the tokenizer maps them to [UNK]).

    Returns
    -------
    list of str
        The vocabulary, ids in list order.
    """
    import heapq
    from collections import defaultdict

    items = sorted((w, c) for w, c in counts.items() if w and len(w) <= max_word_chars)
    char_counts: Counter[str] = Counter()
    for w, c in items:
        for ch in w:
            char_counts[ch] += c
    alphabet = {ch for ch, _ in sorted(char_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max_alphabet]}
    words = [[w[0]] + ["##" + ch for ch in w[1:]] for w, _ in items]
    weights = [c for _, c in items]
    symbols = sorted({s for word in words for s in word if s.removeprefix("##") in alphabet})
    vocab = list(dict.fromkeys([*specials, *symbols]))
    pair_counts: Counter[tuple[str, str]] = Counter()
    where: defaultdict[tuple[str, str], set[int]] = defaultdict(set)

    def account(i: int, sign: int) -> None:
        for pair in zip(words[i], words[i][1:], strict=False):
            pair_counts[pair] += sign * weights[i]
            if sign > 0:
                where[pair].add(i)

    for i in range(len(words)):
        account(i, +1)
    heap = [(-c, pair) for pair, c in pair_counts.items()]
    heapq.heapify(heap)
    known = set(vocab)
    while len(vocab) < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if -neg != pair_counts.get(pair, 0):
            continue  # stale entry
        if -neg < min_frequency:
            break
        a, b = pair
        merged = a + b.removeprefix("##")
        if merged not in known:
            vocab.append(merged)
            known.add(merged)
        touched: set[tuple[str, str]] = set()
        for i in sorted(where.pop(pair, ())):
            old = words[i]
            if not any(x == a and y == b for x, y in zip(old, old[1:], strict=False)):
                continue
            account(i, -1)
            new, j = [], 0
            while j < len(old):
                if j + 1 < len(old) and old[j] == a and old[j + 1] == b:
                    new.append(merged)
                    j += 2
                else:
                    new.append(old[j])
                    j += 1
            words[i] = new
            account(i, +1)
            touched.update(zip(new, new[1:], strict=False))
        pair_counts.pop(pair, None)
        for p in sorted(touched):
            if pair_counts.get(p, 0) > 0:
                heapq.heappush(heap, (-pair_counts[p], p))
    return vocab


def train_wordpiece(texts: Sequence[str], vocab_size: int = 8000, min_frequency: int = 2,
                    lowercase: bool = True, max_length: int = 128) -> Any:
    """Learn a BERT WordPiece tokenizer from ``texts``, deterministically.

    Parameters
    ----------
    texts : sequence of str
        Training reports.
    vocab_size, min_frequency, lowercase
        See :class:`~incident_lm.lm.config.ScratchModelConfig`.
    max_length : int
        Recorded as the tokenizer's ``model_max_length``.

    Returns
    -------
    transformers ``BertTokenizer``
        Around the learnt vocabulary (:func:`learn_wordpiece_vocab`), with ``[CLS] ... [SEP]``
        post-processing and the placeholders as whole (non-special, maskable) tokens;
        ``save_pretrained`` / ``AutoTokenizer.from_pretrained`` round-trip.
    """
    ensure_offline()
    from tokenizers import AddedToken
    from transformers import BertTokenizer

    texts = [t for t in texts if t]
    vocab = learn_wordpiece_vocab(word_counts(texts, lowercase), vocab_size, min_frequency)
    tokenizer = BertTokenizer(vocab={tok: i for i, tok in enumerate(vocab)}, do_lower_case=lowercase,
                              strip_accents=False if lowercase else None, model_max_length=max_length)
    found = placeholders(texts)
    if found:
        tokenizer.add_tokens([AddedToken(p, normalized=False, single_word=False) for p in found])
    return tokenizer


def scratch_model(cfg: ScratchModelConfig, tokenizer: Any) -> torch.nn.Module:
    """A freshly initialised ``BertForMaskedLM`` sized by ``cfg`` for ``tokenizer``'s vocabulary."""
    from transformers import BertConfig, BertForMaskedLM

    config = BertConfig(vocab_size=len(tokenizer), hidden_size=cfg.hidden_size, num_hidden_layers=cfg.layers,
                        num_attention_heads=cfg.heads, intermediate_size=cfg.intermediate_size,
                        max_position_embeddings=cfg.max_length, hidden_dropout_prob=cfg.dropout,
                        attention_probs_dropout_prob=cfg.dropout, pad_token_id=tokenizer.pad_token_id)
    return BertForMaskedLM(config)
