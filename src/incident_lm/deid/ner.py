"""An optional statistical NER model beside the name rules (params ``deid.ner``; off by default).

A local spaCy pipeline directory (its ``config.cfg`` and ``meta.json`` beside the weights) is loaded once per
process with ``spacy.load(path)``; nothing is downloaded and a package name is not accepted. Only the components
that set entities run (and any embedding layer they listen to). Their PERSON entities are snapped to whole words
(:func:`snap`) and, with ``deid.ner_guard`` (the default), kept only where :func:`guard` finds them name-shaped;
:class:`~incident_lm.deid.redact.Deidentifier` then pools them with the rules' spans
(:func:`~incident_lm.deid.redact.pool_names`).

Why it is off by default, and what the guard was designed on: ``bench/deid_ner_candidates.py`` (which imports
:func:`snap` and :func:`guard` from here, so the measurement and the pipeline run the same code) and its section
"Offline NER beside the name rules" in ``bench/results.md``. spaCy is imported only when a model is configured.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incident_lm.core.errors import ParamsError
from incident_lm.deid import names as nm
from incident_lm.deid.config import Span

if TYPE_CHECKING:
    from spacy.language import Language

#: The params key every error names.
KEY = "deid.ner"
#: The spaCy version the project was measured with (what an error asks to install).
SPACY_PIN = "spacy==3.8.18"
PERSON = "PERSON"


# ---- whole words -------------------------------------------------------------------------------------------------
_LEAD_DROP = nm._TITLE_WORDS | nm.ROLE_WORDS | {"pt", "patient", "the"}


def snap(text: str, s: int, e: int) -> tuple[int, int] | None:
    """Whole words (never a piece of a word: "Smith-Jones", "O'Brien"), a trailing possessive and a leading
    title or role word ("Dr", "Nurse") dropped; None when nothing with a letter is left."""
    n = len(text)
    while s > 0 and (text[s - 1].isalnum() or (text[s - 1] in "'\u2019-" and s > 1 and text[s - 2].isalpha())):
        s -= 1
    while e < n and (text[e].isalnum() or (text[e] in "'\u2019-" and e + 1 < n and text[e + 1].isalpha()
                                           and text[e:e + 2].lower() not in ("'s", "\u2019s"))):
        e += 1
    while True:
        m = re.match(r"([^\W\d_]+)\.?\s+", text[s:e])
        if m and m.group(1).lower() in _LEAD_DROP:
            s += m.end()
        else:
            break
    while e > s and not (text[e - 1].isalnum()):
        e -= 1
    if text[s:e].lower().endswith(("'s", "\u2019s")):
        e -= 2
    if e <= s or not any(c.isalpha() for c in text[s:e]):
        return None
    return s, e


def doc_person_spans(text: str, ents: Sequence[Any], label: str = PERSON) -> list[Span]:
    """The ``label`` entities of a spaCy doc (``doc.ents`` of ``text``) as snapped ``(start, end, "PERSON")``
    spans, in order, each once."""
    spans: list[Span] = []
    for ent in ents:
        if ent.label_ != label:
            continue
        sn = snap(text, ent.start_char, ent.end_char)
        if sn and (sn[0], sn[1], PERSON) not in spans:
            spans.append((sn[0], sn[1], PERSON))
    return spans


# ---- the guard ---------------------------------------------------------------------------------------------------
_NOT_NAME_WORDS = frozenset(w.lower() for w in nm._NOT_NAMES | nm._TITLE_STOP) | nm.ROLE_WORDS | nm._TITLE_WORDS
_PARTICLE_WORDS = frozenset(re.findall(r"[^\W\d_]+", nm._PARTICLES))
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_SURE_NAMES = (nm.FIRST_NAMES - nm.AMBIGUOUS_FIRST_NAMES) | (nm.SURNAMES - nm.AMBIGUOUS_SURNAMES)


def _line_or_sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n\r-*\"'"


def guard(text: str, spans: list[Span], finder: nm.NameFinder) -> list[Span]:
    """The NER spans that look like a person's name (designed on the generated set, the hard cases and the
    blind DEV half only):

    1. every word capitalised and not all upper case (name particles "van", "Ó" aside): spaCy tags shouted
       phrases ("PT FELL", "NO BELL") and lower-case words freely; no digit, at least two letters;
    2. no word in the project's not-name, title-stop, role or title lists, nor a medical specialty;
    3. not a place ("Elizabeth Ward", "St Mary's", "... Hospital": ``NameFinder._place_context``), not after an
       article ("the Morse fall scale"), not a field label ("Tel:", "Reg:");
    4. no overlap with a protected eponym phrase of ``gazetteer/eponyms.txt``, single words included ("Known
       Raynaud's"), stricter than the rules, which allow "Dr Parkinson";
    5. a single word that is not an unambiguous gazetteer name is not at the start of a sentence or line
       ("Voicemail left ...", "Label printed ...", "Korotkoff sounds ...");
    6. then the rules' own finishing step (whole words, initials joined, eponym phrases dropped).
    """
    kept = []
    epos = [(m.start(), m.end()) for m in nm._EPONYM_RE.finditer(text)] if spans else []
    for s, e, t in spans:
        span = text[s:e]
        words = _WORD.findall(span)
        if not words or any(c.isdigit() for c in span) or sum(c.isalpha() for c in span) < 2:
            continue
        ok = True
        for w in words:
            if w in _PARTICLE_WORDS:
                continue
            base = re.sub(r"['\u2019]s$", "", w)
            if not w[0].isupper() or (w.isupper() and len(w) > 1) or base.lower() in _NOT_NAME_WORDS \
                    or nm._SPECIALTY_RE.fullmatch(base):
                ok = False
                break
        if not ok or finder._place_context(text, s, e, named=False):
            continue
        if nm._prev_word(text, s) in nm._ARTICLES or text[e:e + 1] == ":":
            continue
        if any(ps < e and s < pe for ps, pe in epos):
            continue
        if len(words) == 1 and words[0] not in _SURE_NAMES and _line_or_sentence_start(text, s):
            continue
        kept.append((s, e, t))
    return finder._finish(text, kept)


# ---- the pipeline ------------------------------------------------------------------------------------------------
def _error(path: object, reason: str) -> ParamsError:
    return ParamsError(f"{KEY} = {str(path)!r}: {reason}; or set {KEY}: null (rules only)")


def pipeline_dir(path: str | Path) -> Path:
    """``path`` as an existing local spaCy pipeline directory (``config.cfg`` and ``meta.json`` in it).

    Raises
    ------
    ParamsError
        Naming ``deid.ner``: no such directory, or not a spaCy pipeline directory (a package name is not one).
    """
    p = Path(path).expanduser()
    if not p.is_dir():
        raise _error(path, "no such directory (expected a local spaCy pipeline directory, e.g. the "
                           "en_core_web_sm-3.8.0 folder of spaCy's release file; a package name is not accepted)")
    missing = [f for f in ("config.cfg", "meta.json") if not (p / f).is_file()]
    if missing:
        inner = sorted(d.name for d in p.iterdir() if d.is_dir() and (d / "config.cfg").is_file())
        hint = f" (its subfolder {inner[0]!r} has one)" if inner else ""
        raise _error(path, f"not a spaCy pipeline directory: no {' or '.join(missing)}{hint}")
    return p


@cache
def _load(resolved: str) -> Language:
    """``spacy.load`` of a resolved directory, once per process (ImportError without spaCy)."""
    import spacy

    return spacy.load(Path(resolved))


def load_pipeline(path: str | Path) -> Language:
    """The spaCy pipeline in the local directory ``path`` (:func:`pipeline_dir`), loaded once per process.

    Raises
    ------
    ParamsError
        Naming ``deid.ner``: see :func:`pipeline_dir`; spaCy not installed; spaCy cannot load the pipeline.
    """
    resolved = str(pipeline_dir(path).resolve())
    try:
        return _load(resolved)
    except ImportError as exc:
        raise _error(path, f"spaCy is not installed (pip install {SPACY_PIN})") from exc
    except Exception as exc:  # a version mismatch, an unknown factory, a damaged file: say which setting
        raise _error(path, f"spaCy could not load the pipeline ({type(exc).__name__}: {exc})") from exc


def entity_components(nlp: Language, label: str = PERSON) -> list[str]:
    """The components of ``nlp`` that set ``doc.ents`` with ``label`` among their labels, and the embedding
    components (``tok2vec``, ``transformer``) they listen to, in pipeline order."""
    ents = {name for name, pipe in nlp.components
            if "doc.ents" in nlp.get_pipe_meta(name).assigns and label in (getattr(pipe, "labels", ()) or ())}
    feeds = {name for name, pipe in nlp.components
             if ents & set(getattr(pipe, "listening_components", ()) or ())}
    return [name for name in nlp.component_names if name in ents | feeds]


def _person_components(nlp: Language, where: object) -> list[str]:
    """:func:`entity_components` of ``nlp``; a ParamsError naming ``deid.ner`` (= ``where``) when there is none."""
    names = entity_components(nlp)
    if not names:
        raise _error(where, f"the pipeline has no NER component with a {PERSON} label (components: "
                            f"{', '.join(nlp.component_names) or 'none'})")
    return names


class NERNames:
    """PERSON entities of a spaCy pipeline as the rules' ``(start, end, "PERSON")`` spans, whole words.

    Parameters
    ----------
    nlp : spacy.language.Language
        A loaded pipeline (:meth:`from_dir` loads one from a local directory); every component but those of
        :func:`entity_components` is disabled on it.
    batch_size : int
        Texts per ``nlp.pipe`` batch.
    folder : str, optional
        The name of the folder the pipeline came from (recorded by :meth:`info`).

    Raises
    ------
    ParamsError
        Naming ``deid.ner`` when the pipeline has no NER component with a PERSON label.

    Examples
    --------
    >>> ner = NERNames.from_dir("models/en_core_web_sm-3.8.0")  # doctest: +SKIP
    >>> ner.find_many(["Rang Okonkwo about the bed"])  # doctest: +SKIP
    [[(5, 12, 'PERSON')]]
    """

    def __init__(self, nlp: Language, batch_size: int = 64, folder: str | None = None):
        self.nlp = nlp
        self.batch_size = batch_size
        self.folder = folder
        self.components = _person_components(nlp, folder or "<pipeline>")
        nlp.select_pipes(enable=self.components)

    @classmethod
    def from_dir(cls, path: str | Path, batch_size: int = 64) -> NERNames:
        """Load the pipeline in the local directory ``path`` (once per process: a second call reuses it).

        Raises
        ------
        ParamsError
            Naming ``deid.ner``: see :func:`pipeline_dir`; spaCy not installed; the pipeline does not load or
            has no NER component with a PERSON label.
        """
        nlp = load_pipeline(path)
        _person_components(nlp, path)
        return cls(nlp, batch_size, folder=Path(path).expanduser().resolve().name)

    def find_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """The snapped PERSON spans of each text (one list per text, empty for an empty text)."""
        out: list[list[Span]] = [[] for _ in texts]
        idx = [i for i, t in enumerate(texts) if t]
        docs = self.nlp.pipe((texts[i] for i in idx), batch_size=self.batch_size)
        for i, doc in zip(idx, docs, strict=True):
            out[i] = doc_person_spans(texts[i], doc.ents)
        return out

    def find(self, text: str) -> list[Span]:
        """The snapped PERSON spans of one text."""
        return self.find_many([text])[0]

    def info(self) -> dict[str, Any]:
        """What ``metrics/deid.json`` records of the model: its meta's name, version and spaCy range, the folder's
        name (never the rest of its path), the components run and the installed spaCy."""
        import spacy

        meta = self.nlp.meta
        name = "_".join(x for x in (meta.get("lang"), meta.get("name")) if x)
        return {"name": name or None, "version": meta.get("version"), "spacy_version": meta.get("spacy_version"),
                "folder": self.folder, "components": list(self.components), "spacy": spacy.__version__}
