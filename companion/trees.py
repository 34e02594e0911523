r"""Constituency trees for parsing as translation: a tree type, the Penn bracket reader, the usual cleaning, and trees as token sequences and back (chapter 6).

Vinyals et al. (2015), "Grammar as a foreign language", parse by translating: the source is the
sentence, the target its tree written depth first as brackets that carry their label, with
every part-of-speech tag replaced by one symbol ``XX``:

.. code-block:: text

   John has a dog .   ->   (S (NP XX )NP (VP XX (NP XX XX )NP )VP XX )S

:func:`parse_bracketed` reads Penn Treebank brackets into :class:`Tree`\ s, :func:`clean_tree`
removes what no parser predicts, :func:`linearize` writes the sequence, :func:`delinearize`
rebuilds (and repairs) a predicted one; :mod:`companion.tree_scores` scores trees by their
labelled brackets as EVALB does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, NamedTuple, Sequence


NONE_TAG = "-NONE-"
"""The part-of-speech tag of the Penn Treebank's empty elements (traces, null complementisers); chapter 6."""
# An opening bracket with its label (none for "( (S ..." ), a closing bracket, or a word.
_TOKEN = re.compile(r"\((?:\s*([^\s()]+))?|\)|[^\s()]+")
_FUNCTION_TAG = re.compile(r"[-=|]")


@dataclass(frozen=True)
class Tree:
    """A constituency tree (chapter 6): a ``label`` and its ``children``, which are subtrees, or one word.

    A node with a word is a *preterminal*, labelled with the word's part-of-speech tag
    (``Tree("NN", ("dog",))``); every other node has subtrees only, and may be labelled ``""``
    (the bracket that wraps each Penn Treebank sentence). Trees are immutable and compare by
    value; ``str(tree)`` writes the brackets that :func:`parse_bracketed` reads. Raises
    ``ValueError`` for a label or word with white space or brackets, an empty word or tag, no
    children, a word beside other children, or a child that is neither a Tree nor a word.
    """

    label: str
    children: tuple

    def __post_init__(self):
        if not (self.label == "" or _is_plain(self.label)):
            raise ValueError(f"label: expected a string without spaces or brackets, got {self.label!r}")
        children = self.children
        if isinstance(children, (str, Tree)) or not isinstance(children, (tuple, list)) or not children:
            raise ValueError(f"children: expected a non-empty tuple of subtrees or one word, got {children!r:.80}")
        if any(isinstance(child, str) for child in children):
            if len(children) != 1 or not _is_plain(children[0]):
                raise ValueError(f"children: expected subtrees, or one word without spaces or brackets, got {children!r:.80}")
            if not self.label:
                raise ValueError(f"label: expected the part-of-speech tag of the word {children[0]!r}, got ''")
        elif not all(isinstance(child, Tree) for child in children):
            raise ValueError(f"children: expected Trees or one word, got {[type(c).__name__ for c in children]}")
        object.__setattr__(self, "children", tuple(children))

    @property
    def is_preterminal(self) -> bool:
        """Whether this node holds a word (its label is then a part-of-speech tag); chapter 6."""
        return isinstance(self.children[0], str)

    def __str__(self) -> str:
        # A space before each opening bracket, none before a closing one: "(S (NP (NN x)))".
        parts = {"word": lambda n: f" ({n.label} {n.children[0]})", "open": lambda n: f" ({n.label}", "close": lambda n: ")"}
        return "".join(parts[kind](node) for kind, node in _events(self))[1:]

    def __repr__(self) -> str:
        return f"<Tree {self}>"


def _events(tree: Tree) -> Iterator[tuple[str, Tree]]:
    """("open", node), ("word", preterminal), ("close", node) in reading order, without recursion,
    so that the deep trees a model may predict cannot exhaust Python's stack."""
    stack = [(tree, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            yield "close", node
        elif node.is_preterminal:
            yield "word", node
        else:
            yield "open", node
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children))


def _is_plain(value) -> bool:
    """Whether ``value`` is a non-empty string without white space or brackets: a word or a label."""
    return isinstance(value, str) and bool(value) and not any(ch.isspace() or ch in "()" for ch in value)


def _require_tree(name: str, tree) -> Tree:
    if not isinstance(tree, Tree):
        raise ValueError(f"{name}: expected a Tree, got {type(tree).__name__}: {tree!r:.60}")
    return tree


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def parse_bracketed(text: str) -> list[Tree]:
    """The trees written in Penn Treebank brackets in ``text``, in order (chapter 6).

    ``(S (NP (NNP John)) (VP (VBZ sleeps)))``: a bracket, a label, then one word or subtrees.
    White space of any kind separates; trees may follow each other. Only a tree's outermost
    bracket may lack a label, as the Treebank's ``( (S ...) )`` does (its label is then ``""``).

    Raises ``ValueError`` naming the line and column for a ``)`` with nothing open, a ``(``
    never closed, a ``(`` without a label inside a tree, a bracket without a word or subtree, a
    word outside every bracket or beside subtrees; and for ``text`` that is not a string or
    holds no tree.
    """
    if not isinstance(text, str):
        raise ValueError(f"text: expected a string of bracketed trees, got {type(text).__name__}")
    trees: list[Tree] = []
    stack: list[tuple[str, list, int]] = []  # (label, children, offset of its "(")
    for match in _TOKEN.finditer(text):
        token, offset = match.group(), match.start()
        if token[0] == "(":
            if match.group(1) is None and stack:
                raise ValueError(
                    f"text: expected a label after the '(' at {_where(text, offset)}, got none "
                    "(only the outermost bracket of a tree may be unlabelled)"
                )
            stack.append((match.group(1) or "", [], offset))
        elif token == ")":
            if not stack:
                raise ValueError(f"text: unbalanced brackets: the ')' at {_where(text, offset)} closes nothing")
            label, children, start = stack.pop()
            if not children:
                raise ValueError(f"text: expected a word or subtrees in the bracket ({label} at {_where(text, start)}, got none")
            try:
                node = Tree(label, tuple(children))
            except ValueError as error:
                raise ValueError(f"text: the bracket at {_where(text, start)}: {error}") from None
            (stack[-1][1] if stack else trees).append(node)
        elif not stack:
            raise ValueError(f"text: expected '(' to open a tree, got the word {token!r} at {_where(text, offset)}")
        else:
            stack[-1][1].append(token)
    if stack:
        raise ValueError(f"text: unbalanced brackets: the '(' at {_where(text, stack[-1][2])} is never closed")
    if not trees:
        raise ValueError("text: expected at least one bracketed tree, got none")
    return trees


def _bare_label(label: str) -> str:
    # "-LRB-", "-RRB-" and "-NONE-" begin with the hyphen that elsewhere starts a function tag.
    return label if label.startswith("-") else _FUNCTION_TAG.split(label, maxsplit=1)[0]


def clean_tree(tree: Tree) -> Tree:
    """``tree`` as parsers predict and score it: no empty elements, no function tags, no unlabelled root (chapter 6).

    The preprocessing of Collins (1999) and EVALB, which Vinyals et al. (2015) use:

    1. **Empty elements** go: every preterminal tagged ``-NONE-`` (traces ``*T*-1``, null
       complementisers ``0``), and every phrase left without a word (``(NP-SBJ (-NONE- *))``).
    2. **Function tags and co-indices** go from phrase labels: all from the first ``-``, ``=``
       or ``|`` on (``NP-SBJ-1`` → ``NP``, ``PP-LOC=2`` → ``PP``). Tags stay whole, as does a
       label that starts with a hyphen (``-LRB-``, ``-NONE-``). EVALB cuts at ``-`` and ``=``;
       cutting ``ADVP|PRT`` (the annotators' "either") to its first choice is ours.
    3. **The unlabelled root** ``( (S ...) )`` is dropped while it has one subtree.

    Unary chains (``(S (VP ...))``) are kept. Raises ``ValueError`` for something other than a
    :class:`Tree`, or a tree whose words are all empty elements.
    """
    kept: list[list[Tree]] = [[]]  # the kept children of each open phrase
    for kind, node in _events(_require_tree("tree", tree)):
        if kind == "word":
            kept[-1] += [node] if node.label != NONE_TAG else []
        elif kind == "open":
            kept.append([])
        else:
            children = kept.pop()
            kept[-1] += [Tree(_bare_label(node.label), tuple(children))] if children else []
    if not kept[0]:
        raise ValueError(f"tree: expected at least one word that is not an empty element (-NONE-), got {tree}")
    cleaned = kept[0][0]
    while cleaned.label == "" and len(cleaned.children) == 1 and not cleaned.children[0].is_preterminal:
        cleaned = cleaned.children[0]
    return cleaned


def words(tree: Tree) -> tuple[str, ...]:
    """The words of ``tree``, left to right (chapter 6). Raises ``ValueError`` for something other than a :class:`Tree`."""
    return tuple(node.children[0] for kind, node in _events(_require_tree("tree", tree)) if kind == "word")


def _require_symbol(name: str, value) -> str:
    if not _is_plain(value):
        raise ValueError(f"{name}: expected a non-empty symbol without spaces or brackets, got {value!r}")
    return value


def linearize(tree: Tree, pos: str | None = "XX") -> tuple[str, ...]:
    """``tree`` as the target sequence of Vinyals et al. (2015): ``(LABEL`` on entering a phrase, ``)LABEL`` on leaving it, one symbol per word (chapter 6).

    Depth first, left to right; each word becomes ``pos`` (their "XX"), or its own tag when
    ``pos`` is ``None``, so :math:`n` words under :math:`c` phrases give :math:`n + 2c` tokens
    and no word appears. Clean the tree first (:func:`clean_tree`). Raises ``ValueError`` for
    something other than a :class:`Tree`, a phrase labelled ``""``, or a ``pos`` that is neither
    ``None`` nor a non-empty symbol without spaces or brackets.
    """
    tree = _require_tree("tree", tree)
    if pos is not None:
        _require_symbol("pos", pos)
    tokens = []
    for kind, node in _events(tree):
        if kind == "word":
            tokens.append(node.label if pos is None else pos)
        elif not node.label:
            raise ValueError(f"tree: expected a label on every phrase, got an unlabelled one in {tree}; clean it first (clean_tree)")
        else:
            tokens.append(("(" if kind == "open" else ")") + node.label)
    return tuple(tokens)


class Delinearized(NamedTuple):
    """What :func:`delinearize` rebuilt (chapter 6): the ``tree``, whether the sequence was ``well_formed``, and the count of each repair it needed."""

    tree: Tree
    well_formed: bool
    added_openers: int
    added_closers: int
    mismatched_closers: int
    extra_slots: int
    missing_slots: int
    empty_brackets: int
    single_root: bool


def _require_tokens(tokens) -> tuple[str, ...]:
    if isinstance(tokens, str) or not isinstance(tokens, Sequence):
        raise ValueError(f"tokens: expected a sequence of tokens, got {type(tokens).__name__}: {tokens!r:.60}")
    for i, token in enumerate(tokens):
        if not (_is_plain(token) or (isinstance(token, str) and token[:1] in ("(", ")") and _is_plain(token[1:]))):
            raise ValueError(f"tokens[{i}]: expected '(LABEL', ')LABEL' or a tag symbol, got {token!r}")
    return tuple(tokens)


def _require_words(name: str, values) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"{name}: expected a non-empty sequence of words, got {values!r:.60}")
    for i, word in enumerate(values):
        if not _is_plain(word):
            raise ValueError(f"{name}[{i}]: expected a non-empty word without spaces or brackets, got {word!r}")
    return tuple(values)


def delinearize(tokens: Sequence[str], words: Sequence[str], *, fill: str = "XX") -> Delinearized:
    """The tree that a predicted sequence describes, over the sentence's ``words``, repaired where the sequence is ill formed (chapter 6).

    The inverse of :func:`linearize`: ``(L`` opens a phrase ``L``, ``)L`` closes the innermost
    open one, any other token is the tag of the next word. Where a model's output breaks this,
    it is repaired, and each repair counted:

    * **Unbalanced brackets** as Vinyals et al. (2015) mend them, adding "brackets to either
      the beginning or the end of the tree": a closer with nothing open gets its opener
      put at the start (``added_openers``); phrases open at the end are closed there
      (``added_closers``). A closer with another label than its opener closes it all the same;
      the opener's label is kept (``mismatched_closers``).
    * **Tag slots and words that do not pair up** (this rule is ours): slots after the last
      word are dropped (``extra_slots``), and words without a slot are tagged ``fill`` and put
      at the end of the root (``missing_slots``).
    * Phrases without a word are removed (``empty_brackets``). Unless one phrase spans the whole
      sentence (``single_root``), the parts go under a root labelled ``""``, which is not scored.

    ``well_formed`` is true when nothing was repaired; ``linearize(tree, pos=None)`` then gives
    ``tokens`` back. Raises ``ValueError`` for ``tokens`` that are not a sequence of ``(LABEL``,
    ``)LABEL`` and tag symbols, ``words`` that are not a non-empty sequence of words without
    spaces or brackets, or a ``fill`` that is not such a symbol.
    """
    tokens = _require_tokens(tokens)
    words = _require_words("words", words)
    fill = _require_symbol("fill", fill)
    labels: list[str] = [""]  # the open phrases, the root first
    children: list[list[Tree]] = [[]]
    position = opened = mismatched = extra = empty = 0
    for token in tokens:
        if token[0] == "(":
            labels.append(token[1:])
            children.append([])
        elif token[0] == ")":
            if len(labels) == 1:  # nothing open: an opener at the very start would span all read so far
                label, kept, children[0] = token[1:], children[0], []
                opened += 1
            else:
                label, kept = labels.pop(), children.pop()
                mismatched += label != token[1:]
            children[-1] += [Tree(label, tuple(kept))] if kept else []
            empty += not kept
        elif position < len(words):
            children[-1].append(Tree(token, (words[position],)))
            position += 1
        else:
            extra += 1
    closed = len(labels) - 1
    while len(labels) > 1:
        label, kept = labels.pop(), children.pop()
        children[-1] += [Tree(label, tuple(kept))] if kept else []
        empty += not kept
    top = children[0]
    filled = tuple(Tree(fill, (word,)) for word in words[position:])
    single_root = len(top) == 1 and not top[0].is_preterminal
    tree = Tree(top[0].label, top[0].children + filled) if single_root else Tree("", tuple(top) + filled)
    repairs = (opened, closed, mismatched, extra, len(filled), empty)
    return Delinearized(tree, single_root and not any(repairs), *repairs, single_root)
