"""How subjective is a sentence? A small logistic model over stylistic cues.

The cues are word classes written for this project (first and second person, obligation,
evaluation, intensity, hedging, attribution, numbers, quotation). The weights were fitted on the
CheckThat! 2025 subjectivity sentences (`bench/subjectivity.py` refits them and reports dev-set
accuracy next to a bag-of-words peer); no text of that data set is stored here, only the weights.
It is deliberately simple: it ranks sentences for neutrality in the writer and backs up the
publisher's own markings in opinion detection; it is not a fact checker.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from storywire.nlp.sentences import split_sentences, words

_CLASSES: dict[str, frozenset[str]] = {
    "first_singular": frozenset("i me my mine myself i'm i've i'd i'll".split()),
    "first_plural": frozenset("we us our ours ourselves we're we've let's".split()),
    "second_person": frozenset("you your yours yourself yourselves you're you've".split()),
    "obligation": frozenset("should must ought shouldn't mustn't needs need cannot can't".split()),
    "evaluative": frozenset(
        """good bad better worse best worst great terrible awful absurd ridiculous shameful
        disgraceful outrageous brilliant wonderful foolish stupid wise wrong right fair unfair
        dangerous reckless naive cynical hypocritical pathetic remarkable extraordinary
        disastrous catastrophic failure failed scandal scandalous sensible nonsense deserve
        deserves deserved mistake mistaken admirable courageous cowardly honest dishonest
        specious sinister laughable tragic tragedy insult insulting important vital crucial
        essential obvious obviously clearly surely simply merely sadly unfortunately hopefully
        arguably frankly honestly indeed truly""".split()
    ),
    "intensifier": frozenset(
        """very so too extremely utterly deeply incredibly really totally entirely completely
        absolutely far much more most least quite rather hardly barely even""".split()
    ),
    "hedge": frozenset(
        """think thinks believe believes feel feels seem seems seemed perhaps maybe might
        probably possibly suppose guess doubt hope wonder imagine apparently""".split()
    ),
    "attribution": frozenset(
        """said says told according announced reported stated added confirmed noted
        explained spokesperson spokesman spokeswoman statement""".split()
    ),
    "negation": frozenset("not no never nothing nobody none nor n't isn't aren't wasn't".split()),
}
# Each cue word's classes, so a sentence's tokens are looked up once rather than once a class.
_CLASSES_OF: dict[str, tuple[str, ...]] = {
    word: tuple(name for name, vocabulary in _CLASSES.items() if word in vocabulary)
    for vocabulary in _CLASSES.values()
    for word in vocabulary
}
FEATURES = (*_CLASSES, "question", "exclamation", "number", "quote", "length")

# Fitted by `python bench/subjectivity.py --fit` (see the module docstring).
WEIGHTS: dict[str, float] = {
    "bias": -0.09,
    "first_singular": 0.07,
    "first_plural": 0.69,
    "second_person": 0.08,
    "obligation": 0.4,
    "evaluative": 0.44,
    "intensifier": 0.2,
    "hedge": 0.58,
    "attribution": -0.59,
    "negation": 0.43,
    "question": 0.07,
    "exclamation": 0.18,
    "number": -1.0,
    "quote": -0.85,
    "length": 0.5,
}

_QUOTE = re.compile(r"[\"“”«»]")
_NUMBER = re.compile(r"\d")


def sentence_features(sentence: str) -> dict[str, float]:
    """Cue counts of one sentence, each squashed to [0, 1) so long sentences don't dominate."""
    tokens = [token.lower() for token in words(sentence)]
    counts = dict.fromkeys(_CLASSES, 0)
    for token in tokens:
        for name in _CLASSES_OF.get(token, ()):
            counts[name] += 1
    features = {name: _squash(count) for name, count in counts.items()}
    features["question"] = float("?" in sentence)
    features["exclamation"] = float("!" in sentence)
    features["number"] = float(bool(_NUMBER.search(sentence)))
    features["quote"] = float(bool(_QUOTE.search(sentence)))
    features["length"] = min(len(tokens), 60) / 60
    return features


def _squash(count: int) -> float:
    return 1.0 - 1.0 / (1.0 + count)


def subjectivity(sentence: str, weights: dict[str, float] | None = None) -> float:
    """Probability that the sentence expresses a view rather than reports a fact."""
    weights = weights or WEIGHTS
    features = sentence_features(sentence)
    z = weights["bias"] + sum(weights[name] * value for name, value in features.items())
    return 1.0 / (1.0 + math.exp(-z))


def opinion_score(text: str) -> float:
    """How much an article reads like commentary: the share of its sentences that are subjective,
    weighted up when the author speaks in the first person (columns do, reports rarely do)."""
    sentences = split_sentences(text)
    if not sentences:
        return 0.0
    subjective = sum(subjectivity(s) > 0.5 for s in sentences) / len(sentences)
    tokens = [t.lower() for t in words(text)]
    first_person = sum(t in _CLASSES["first_singular"] for t in tokens) / max(len(tokens), 1)
    return min(1.0, subjective + min(first_person * 10, 0.3))


def fit_weights(
    sentences: Sequence[str], labels: Sequence[int], epochs: int = 2000, rate: float = 1.0
) -> dict[str, float]:
    """Class-balanced logistic regression by batch gradient descent with a little L2.

    Balancing makes 0.5 a neutral threshold whatever the share of subjective sentences in the
    training data (36% in train, 52% in dev).
    """
    rows = [sentence_features(s) for s in sentences]
    weights = dict.fromkeys(("bias", *FEATURES), 0.0)
    n = len(rows)
    positives = sum(labels)
    balance = {1: n / (2 * max(positives, 1)), 0: n / (2 * max(n - positives, 1))}
    for _ in range(epochs):
        gradient = dict.fromkeys(weights, 0.0)
        for row, label in zip(rows, labels, strict=True):
            z = weights["bias"] + sum(weights[k] * v for k, v in row.items())
            error = (1.0 / (1.0 + math.exp(-z)) - label) * balance[label]
            gradient["bias"] += error
            for key, value in row.items():
                gradient[key] += error * value
        for key in weights:
            penalty = 0.0 if key == "bias" else 0.01 * weights[key]
            weights[key] -= rate * (gradient[key] / n + penalty)
    return {key: round(value, 2) for key, value in weights.items()}
