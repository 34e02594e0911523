"""The Inspec abstracts of Hulth (2003) with their key phrases, one tokenizer for texts and phrases, and key phrases as BIO tags (chapter 6).

The data set: 2000 titles and abstracts of scientific articles from the Inspec database, each
with the key phrases that indexers assigned freely ("uncontrolled" terms, the gold standard of
Hulth 2003), split 1000 / 500 / 500 into training, validation and test. It ships as one archive
(``Hulth2003.tar.gz``, pinned to one commit of ``snkim/AutomaticKeyphraseExtraction`` and
checked by sha256) holding one zip file per split, which is read in memory, never unpacked.

Design choices:

* **One tokenizer** (:func:`tokenize`) for documents and key phrases alike, so that a phrase is
  found in a text exactly when its tokens occur there in a row, and two spellings of one phrase
  that differ in case or spacing compare equal.
* **Present and absent phrases.** About a fifth of the gold phrases never occur in their
  abstract (the indexers wrote "adaptive stabilization" where the text says "adaptive robust
  stabilization").
  A tagger can only mark words of the text, so :func:`present_keyphrases` says which phrases it
  could find at all; scores are reported against both.
* **Tags.** :func:`keyphrase_tags` marks every occurrence of every present phrase with the BIO
  tags ``B-KP``, ``I-KP`` and ``O``, longest phrases first and never two over one word, so that
  a phrase inside a longer one ("neural network" in "recurrent neural network") is tagged only
  where it also occurs alone.
"""
from __future__ import annotations

import io
import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..encoding.words import _require_words
from .download import RemoteFile, fetch
from .tagging import OUTSIDE, TaggedSentence, require_tag_sequence
from .text import decode_text

INSPEC_COMMIT = "cd662646e4f1f6a2f6957a5aee6885cb2a74afb9"
INSPEC_FILE = RemoteFile(
    path="inspec/Hulth2003.tar.gz",
    url=(
        "https://raw.githubusercontent.com/snkim/AutomaticKeyphraseExtraction/"
        f"{INSPEC_COMMIT}/Hulth2003.tar.gz"
    ),
    sha256="0cca8dbc5ec28e6638cf75a38263f341d94743259252e6b7fff2f02e6028610f",
)
"""The pinned ``Hulth2003.tar.gz``: the Inspec abstracts and key phrases of Hulth (2003)."""

INSPEC_SPLITS = ("train", "valid", "test")
"""The splits of Hulth (2003): 1000 training, 500 validation and 500 test documents (chapter 6)."""
KEYPHRASE_TAGS = ("O", "B-KP", "I-KP")
"""The BIO tags of key phrases: outside, first word of a phrase, a later word of it (chapter 6)."""

_MEMBERS = {"train": "Hulth2003/Training.zip", "valid": "Hulth2003/Validation.zip", "test": "Hulth2003/Test.zip"}
_FILE_NAME = re.compile(r"(\d+)\.(abstr|contr|uncontr)")
# A word: letters and digits, possibly joined by inner hyphens or apostrophes
# ("syntax-sensitive", "hulth's"); anything else that is not a space is a token of its own.
_TOKEN = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*|\S")
# A line end that the next line does not continue: the files wrap long lines with LF + TAB.
_LOGICAL_LINE_END = re.compile(r"\n(?!\t)")


@dataclass(frozen=True)
class KeyphraseDocument:
    """One Inspec document: its id, title, text (title and abstract) and gold key phrases (chapter 6).

    ``text`` is the title followed by the abstract, every run of white space (line ends and the
    files' wrapping included) collapsed to one space; ``keyphrases`` are the uncontrolled key
    phrases in the file's order, white space collapsed, case kept. Built by
    :func:`load_inspec`; raises no error itself.
    """

    id: int
    title: str
    text: str
    keyphrases: tuple[str, ...]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def tokenize(text: str) -> list[str]:
    """The tokens of ``text``: lower-cased words, and every other character that is not a space alone (chapter 6).

    A word is a run of letters and digits, possibly joined by inner hyphens or apostrophes
    (``syntax-sensitive``, ``hulth's``); each punctuation mark is a token of its own, so
    ``"Marcus (Cognition 66, p.153)"`` gives ``marcus ( cognition 66 , p . 153 )``. The same
    rule tokenizes documents and key phrases, so a phrase occurs in a document when its tokens
    occur there in a row. Raises ``ValueError`` if ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise ValueError(f"text: expected a string, got {type(text).__name__}: {text!r:.60}")
    return _TOKEN.findall(text.lower())


def _phrase_tokens(name: str, phrases) -> list[list[str]]:
    if isinstance(phrases, str) or not isinstance(phrases, Iterable):
        raise ValueError(f"{name}: expected a list of phrases (strings), got {type(phrases).__name__}: {phrases!r:.60}")
    tokenized = []
    for i, phrase in enumerate(phrases):
        if not isinstance(phrase, str):
            raise ValueError(f"{name}[{i}]: expected a phrase (a str), got {type(phrase).__name__}: {phrase!r:.60}")
        tokens = tokenize(phrase)
        if not tokens:
            raise ValueError(f"{name}[{i}]: expected a phrase with at least one token, got {phrase!r}")
        tokenized.append(tokens)
    return tokenized


def _occurs(tokens: Sequence[str], words: Sequence[str]) -> Iterable[int]:
    """The positions at which ``tokens`` start in ``words``."""
    n = len(tokens)
    return (t for t in range(len(words) - n + 1) if list(words[t : t + n]) == tokens)


def keyphrase_tags(words: Sequence[str], phrases: Iterable[str]) -> list[str]:
    """One BIO tag per word: ``B-KP`` on the first word of each occurrence of a phrase, ``I-KP`` on its others, ``O`` elsewhere (chapter 6).

    ``words`` are a document's tokens (:func:`tokenize`); each phrase is tokenized by the same
    rule and looked for wherever its tokens occur in a row. Phrases are placed longest first
    (most tokens; equal lengths in the order given), every occurrence of each, and an
    occurrence that would share a word with one already placed is skipped, so no word gets two
    tags: a phrase inside a longer one is tagged only where it occurs alone. Phrases that do not
    occur leave no trace. Raises ``ValueError`` if ``words`` is not a non-empty list of tokens
    without spaces, or ``phrases`` is not a list of strings each with at least one token.
    """
    words = _require_words("words", words)
    tokenized = _phrase_tokens("phrases", phrases)
    tags = [OUTSIDE] * len(words)
    for tokens in sorted(tokenized, key=len, reverse=True):  # sorted() is stable: ties keep their order
        for start in _occurs(tokens, words):
            span = range(start, start + len(tokens))
            if all(tags[t] == OUTSIDE for t in span):
                tags[start] = "B-KP"
                for t in span[1:]:
                    tags[t] = "I-KP"
    return tags


def phrases_in_tags(words: Sequence[str], tags: Sequence[str]) -> list[str]:
    """The phrases that BIO tags mark, in reading order, each its words joined by single spaces (chapter 6).

    A phrase starts at a ``B-`` tag, or at an ``I-`` tag that follows an ``O`` (as the CoNLL
    scorer reads such a tag), and goes on over the ``I-`` tags after it; a phrase marked twice
    appears twice. The tag's type after ``B-``/``I-`` is not read (key phrases have one type).
    Raises ``ValueError`` if ``words`` is not a non-empty list of tokens, ``tags`` not one BIO
    tag per word.
    """
    words = _require_words("words", words)
    tags = require_tag_sequence("tags", tags)
    if len(tags) != len(words):
        raise ValueError(f"tags: expected one tag per word ({len(words)}), got {len(tags)}")
    phrases: list[list[str]] = []
    inside = False
    for word, tag in zip(words, tags):
        if tag.startswith("B-") or (tag.startswith("I-") and not inside):
            phrases.append([word])
        elif tag.startswith("I-"):
            phrases[-1].append(word)
        inside = tag != OUTSIDE
    return [" ".join(phrase) for phrase in phrases]


def present_keyphrases(document: KeyphraseDocument) -> list[str]:
    """The gold key phrases of ``document`` whose tokens occur in a row in its text, in the given order (chapter 6).

    Tokens as :func:`tokenize` makes them, so case and spacing do not matter; a phrase listed
    twice is returned twice. Raises ``ValueError`` if ``document`` is not a
    :class:`KeyphraseDocument`.
    """
    if not isinstance(document, KeyphraseDocument):
        raise ValueError(f"document: expected a KeyphraseDocument, got {type(document).__name__}")
    words = tokenize(document.text)
    return [
        phrase for phrase, tokens in zip(document.keyphrases, _phrase_tokens("keyphrases", document.keyphrases))
        if next(iter(_occurs(tokens, words)), None) is not None
    ]


def keyphrase_sentences(documents: Sequence[KeyphraseDocument]) -> list[TaggedSentence]:
    """Each document as one :class:`~companion.data.TaggedSentence`: its tokens, tagged by :func:`keyphrase_tags` (chapter 6).

    What the tagger trainers of :mod:`companion.training` read: the whole text (title and
    abstract) is one sequence, since the key terms depend on the whole document. Raises
    ``ValueError`` if ``documents`` is not a non-empty list of :class:`KeyphraseDocument`.
    """
    if isinstance(documents, KeyphraseDocument) or not isinstance(documents, Sequence) or not documents:
        raise ValueError(f"documents: expected a non-empty list of KeyphraseDocument, got {documents!r:.60}")
    sentences = []
    for i, document in enumerate(documents):
        if not isinstance(document, KeyphraseDocument):
            raise ValueError(f"documents[{i}]: expected a KeyphraseDocument, got {type(document).__name__}")
        words = tokenize(document.text)
        sentences.append(TaggedSentence(tuple(words), tuple(keyphrase_tags(words, document.keyphrases))))
    return sentences


def _parse_document(identifier: int, abstract: str, phrases: str, where: str) -> KeyphraseDocument:
    lines = [line for line in _LOGICAL_LINE_END.split(abstract) if line.strip()]
    if len(lines) < 2:
        raise ValueError(
            f"{where}/{identifier}.abstr: expected a title line and an abstract, got "
            f"{len(lines)} non-empty line{'s' if len(lines) != 1 else ''}"
        )
    title = _collapse(lines[0])
    keyphrases = tuple(p for p in (_collapse(item) for item in phrases.split(";")) if p)
    if not keyphrases:
        raise ValueError(f"{where}/{identifier}.uncontr: expected key phrases separated by ';', got {phrases!r:.60}")
    return KeyphraseDocument(identifier, title, _collapse(" ".join(lines)), keyphrases)


def read_inspec(path: str | Path, split: str) -> list[KeyphraseDocument]:
    """The documents of one split of a ``Hulth2003.tar.gz`` archive at ``path``, sorted by id (chapter 6).

    The archive holds ``Hulth2003/Training.zip``, ``Validation.zip`` and ``Test.zip``; each zip
    holds ``{id}.abstr`` (the title on the first line, the abstract after it; long lines are
    wrapped with an extra line end and a tab), ``{id}.uncontr`` (the key phrases, separated by
    ``;``) and ``{id}.contr`` (thesaurus terms, not read). Files are decoded by
    :func:`~companion.data.text.decode_text` (UTF-8, CRLF). Nothing is written to disk.

    Raises ``ValueError`` for a ``split`` outside :data:`INSPEC_SPLITS`, and naming the archive
    and the member for an archive that cannot be read or lacks the split's zip, a file name of
    another form, a document without its ``.abstr`` or ``.uncontr``, an ``.abstr`` without title
    and abstract, a ``.uncontr`` without a phrase, or bytes that are not UTF-8.
    """
    if split not in INSPEC_SPLITS:
        raise ValueError(f"split: expected one of {', '.join(map(repr, INSPEC_SPLITS))}, got {split!r}")
    if not isinstance(path, (str, Path)):
        raise ValueError(f"path: expected a path to Hulth2003.tar.gz, got {type(path).__name__}: {path!r}")
    member = _MEMBERS[split]
    try:
        with tarfile.open(path, "r:gz") as archive:
            try:
                stream = archive.extractfile(member)
            except KeyError:
                raise ValueError(f"{path}: expected the member {member}, which the archive lacks") from None
            if stream is None:
                raise ValueError(f"{path}: expected the member {member} to be a file")
            data = stream.read()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ValueError(f"{path}: expected a gzip-compressed tar archive, got one that cannot be read ({error})") from None
    where = f"{path}:{member}"
    try:
        inner = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ValueError(f"{where}: expected a zip file, got one that cannot be read ({error})") from None
    files: dict[int, dict[str, str]] = {}
    with inner:
        for name in inner.namelist():
            match = _FILE_NAME.fullmatch(name)
            if match is None:
                raise ValueError(f"{where}/{name}: expected files named '<id>.abstr', '<id>.contr' or '<id>.uncontr'")
            identifier, kind = int(match.group(1)), match.group(2)
            if kind != "contr":
                files.setdefault(identifier, {})[kind] = decode_text(inner.read(name), f"{where}/{name}")
    documents = []
    for identifier in sorted(files):
        parts = files[identifier]
        for kind in ("abstr", "uncontr"):
            if kind not in parts:
                raise ValueError(f"{where}: expected {identifier}.{kind} beside the other files of document {identifier}")
        documents.append(_parse_document(identifier, parts["abstr"], parts["uncontr"], where))
    if not documents:
        raise ValueError(f"{where}: expected documents, got none")
    return documents


def load_inspec(split: str) -> list[KeyphraseDocument]:
    """The Inspec documents of ``split`` (``"train"``: 1000, ``"valid"``: 500, ``"test"``: 500), sorted by id (chapter 6).

    The archive :data:`INSPEC_FILE` comes from :func:`~companion.data.download.fetch` (the
    mirror in ``COMPANION_DATA_MIRROR``, else the cache, downloading it once; its sha256 is
    checked on every use) and is read by :func:`read_inspec`. Raises ``ValueError`` as
    :func:`read_inspec` does and for an archive whose sha256 is not the pinned one;
    ``FileNotFoundError`` and ``OSError`` as :func:`~companion.data.download.fetch` does.
    """
    if split not in INSPEC_SPLITS:
        raise ValueError(f"split: expected one of {', '.join(map(repr, INSPEC_SPLITS))}, got {split!r}")
    return read_inspec(fetch(INSPEC_FILE), split)
