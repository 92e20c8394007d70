"""Step 1 of the pipeline: parse an lme4 model formula (never ``eval`` it).

The formula language is R's (``?formula``) plus lme4's random-effect bars:

* fixed part: ``+ - * / : ^ %in%``, ``0``/``1``/``-1``/``+0`` for the intercept,
  parentheses, a few whitelisted functions (``log(x)``, ``I(x^2)``,
  ``factor(x)``, ``scale(x)``, ``poly(x, 2)``, ...) and ``offset(...)``; ``scale()`` and
  ``poly()`` also take R's named arguments (``scale(x, scale = FALSE)``,
  ``poly(x, degree = 3, raw = TRUE)``, TRUE/FALSE or ``T``/``F``), matched as R matches them
  (:mod:`glmmlite.formula_calls`) and deparsed as R does (``name = value``);
* response: a column, ``cbind(successes, failures)`` whose arguments may be
  arithmetic on columns (``cbind(incidence, size - incidence)``), or an
  arithmetic expression such as ``incidence/size`` (a proportion);
* random part: ``(expr | g)``, ``(expr || g)`` (split into uncorrelated terms as
  lme4's ``expandDoubleVerts``), ``g1:g2`` (interaction grouping factor) and
  ``g1/g2`` (nesting, expanded as lme4's ``findbars``/``expandSlash`` to
  ``(expr | g2:g1) + (expr | g1)``).

The text is split into tokens and parsed by a small precedence-climbing parser
into an abstract syntax tree (:class:`Node` subclasses).  The fixed part is then
expanded into *terms* with the algorithm of R's ``terms.formula`` (C function
``EncodeVars``): variables are numbered in order of first appearance, terms are
sets of variables, duplicates are removed and the terms are sorted by their
number of variables, keeping the order of appearance otherwise.

Nothing in the formula is ever executed: arithmetic in ``I()``, ``log()``,
``cbind()`` etc. is computed by walking the tree (:func:`evaluate_numeric`) with
a fixed whitelist of numpy functions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping

import numpy as np

from .errors import FormulaError
from .formula_calls import CallArgError, Given, PolyOptions, ScaleOptions, match_poly, match_scale

__all__ = [
    "Node", "Name", "Num", "BinOp", "UnaryOp", "Call", "Paren", "Logical", "Arg",
    "TermSet", "RandomSpec", "Formula",
    "parse_formula", "parse_expression", "deparse", "evaluate_numeric", "names_in",
    "NUMERIC_FUNCTIONS", "FACTOR_FUNCTIONS", "STATEFUL_FUNCTIONS", "stateful_calls", "scale_stats",
    "poly_coefs", "poly_columns", "poly_raw_columns", "call_options", "call_data",
]


# ----------------------------------------------------------------------------- AST
@dataclass(frozen=True)
class Node:
    """Base class of the syntax tree; ``pos`` is the 0-based character position."""

    pos: int = field(compare=False, repr=False)


@dataclass(frozen=True)
class Name(Node):
    """A variable (column) name, possibly written with backticks."""

    id: str = ""


@dataclass(frozen=True)
class Num(Node):
    """A numeric literal."""

    value: float = 0.0


@dataclass(frozen=True)
class BinOp(Node):
    """A binary operator: one of ``~ | || + - * / %in% : ^``."""

    op: str = ""
    left: Node | None = None
    right: Node | None = None


@dataclass(frozen=True)
class UnaryOp(Node):
    """Unary ``+`` or ``-``."""

    op: str = ""
    operand: Node | None = None


@dataclass(frozen=True)
class Call(Node):
    """A function call ``f(arg, ...)`` (only whitelisted functions are accepted later)."""

    func: str = ""
    args: tuple = ()


@dataclass(frozen=True)
class Logical(Node):
    """``TRUE`` or ``FALSE`` (only meaningful as an argument, as ``scale(x, scale = FALSE)``)."""

    value: bool = False


@dataclass(frozen=True)
class Arg(Node):
    """A named argument ``name = value`` of a call (``raw = TRUE`` in ``poly(x, 2, raw = TRUE)``);
    ``pos`` is that of the name."""

    name: str = ""
    value: Node | None = None


@dataclass(frozen=True)
class Paren(Node):
    """A parenthesised expression (kept because ``(1 | g)`` must be bracketed)."""

    expr: Node | None = None


# numpy implementations of the functions allowed in arithmetic (I(), log(), cbind args ...)
NUMERIC_FUNCTIONS: dict[str, object] = {
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
    "exp": np.exp, "expm1": np.expm1, "sqrt": np.sqrt, "abs": np.abs,
    "I": None, "as.numeric": None,  # identity on numbers
}
# functions whose result depends on the data they are computed on: ``scale(x)`` centres by the
# mean and divides by the standard deviation of the fitted data (``center =``/``scale =`` TRUE or
# FALSE as R's), ``poly(x, degree)`` gives the orthogonal polynomials of the fitted data's x
# (``raw = TRUE``: the powers; several columns: a term of its own only); new data (predict,
# simulate, emmeans) reuse the fit's numbers, as R's ``makepredictcall`` does.  Their arguments
# are matched as R matches them (glmmlite.formula_calls).
STATEFUL_FUNCTIONS = ("scale", "poly")
# calls that turn a column into a factor
FACTOR_FUNCTIONS = ("factor", "as.factor")
_SPECIAL_FUNCTIONS = ("offset", "cbind")

_R_RESERVED = {
    "if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE",
    "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "in",
}
_SYNTACTIC = re.compile(r"^((([A-Za-z]|[.][A-Za-z._])[A-Za-z0-9._]*)|[.])$")


def _name_label(name: str) -> str:
    """R's deparse of a symbol: backticks unless the name is syntactic."""
    if _SYNTACTIC.match(name) and name not in _R_RESERVED:
        return name
    return "`" + name.replace("`", "\\`") + "`"


def _num_label(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


_SPACED = {"~", "|", "||", "+", "-", "*", "%in%"}
# the left-associative binary operators: a chain of them is a left spine (see _left_spine)
_LEFT_OPS = frozenset({"~", "|", "||", "+", "-", "*", "/", "%in%", ":"})
# how deeply parentheses, calls, unary signs and powers may nest: the parser and the tree walks
# recurse once per level (a chain a + b + ... is walked by loops, so its length is not limited)
MAX_NESTING = 100
# terms a formula may expand to: each term is at least one column of the dense model matrix,
# and (a + b + ...)^k or a * b * c * ... grows exponentially
MAX_TERMS = 10_000
_PREC = {"~": 1, "|": 2, "||": 2, "+": 3, "-": 3, "*": 4, "/": 4, "%in%": 5, ":": 6, "^": 8}


def _left_spine(node: Node) -> tuple[Node, list[BinOp]]:
    """A chain of left-associative operators ``((a + b) - c) : d`` as its leftmost operand and
    the operator nodes from the innermost out, found by a loop (the chain can be long: a
    formula with 990 terms is a left spine 990 deep, which recursion could not walk)."""
    chain: list[BinOp] = []
    while isinstance(node, BinOp) and node.op in _LEFT_OPS:
        chain.append(node)
        node = node.left
    chain.reverse()
    return node, chain


def deparse(node: Node) -> str:
    """The expression as R's ``deparse`` writes it (e.g. ``size - incidence``, ``I(x^2)``)."""
    if isinstance(node, Name):
        return _name_label(node.id)
    if isinstance(node, Num):
        return _num_label(node.value)
    if isinstance(node, Logical):
        return "TRUE" if node.value else "FALSE"
    if isinstance(node, Arg):   # R's deparse: tag = value
        return _name_label(node.name) + " = " + deparse(node.value)
    if isinstance(node, Paren):
        return "(" + deparse(node.expr) + ")"
    if isinstance(node, UnaryOp):
        return node.op + deparse(node.operand)
    if isinstance(node, Call):
        return node.func + "(" + ", ".join(deparse(a) for a in node.args) + ")"
    if isinstance(node, BinOp):
        first, chain = _left_spine(node)
        if not chain:   # a right-associative or non-chain operator (^, ~, |)
            sep = f" {node.op} " if node.op in _SPACED else node.op
            return deparse(node.left) + sep + deparse(node.right)
        parts = [deparse(first)]
        for b in chain:
            parts.append(f" {b.op} " if b.op in _SPACED else b.op)
            parts.append(deparse(b.right))
        return "".join(parts)
    raise TypeError(f"not a formula node: {node!r}")  # pragma: no cover


class _DeparseLines:
    """R's ``deparse(x, width.cutoff)`` line breaking (``deparse.c``): after the operator of a
    spaced binary call (``+ - * ~ | || %in%``) and after each ``", "`` of a call's arguments, the
    line ends once it is longer than ``cutoff`` characters; the rest of that operand goes on
    lines indented by four spaces per open break."""

    def __init__(self, cutoff: int) -> None:
        self.cutoff, self.lines, self.cur, self.indent = cutoff, [], "", 0

    def put(self, text: str) -> None:
        if not self.cur and self.indent:
            self.cur = "".join("    " if i < 4 else "  " for i in range(self.indent))
        self.cur += text

    def linebreak(self) -> bool:
        if len(self.cur) <= self.cutoff:
            return False
        self.lines.append(self.cur)
        self.cur = ""
        return True

    def node(self, node: Node) -> None:
        if isinstance(node, (Name, Num, Logical)):
            self.put(deparse(node))
        elif isinstance(node, Arg):
            self.put(_name_label(node.name) + " = ")
            self.node(node.value)
        elif isinstance(node, Paren):
            self.put("(")
            self.node(node.expr)
            self.put(")")
        elif isinstance(node, UnaryOp):
            self.put(node.op)
            self.node(node.operand)
        elif isinstance(node, Call):
            self.put(node.func + "(")
            broke = False
            for i, a in enumerate(node.args):
                if i:
                    self.put(", ")
                    if self.linebreak() and not broke:
                        broke = True
                        self.indent += 1
                self.node(a)
            self.indent -= int(broke)
            self.put(")")
        elif isinstance(node, BinOp):
            first, chain = _left_spine(node)
            if not chain:
                first, chain = node.left, [node]
            self.node(first)
            for b in chain:
                broke = False
                if b.op in _SPACED:
                    self.put(f" {b.op} ")
                    broke = self.linebreak()
                    self.indent += int(broke)
                else:
                    self.put(b.op)
                self.node(b.right)
                self.indent -= int(broke)
        else:  # pragma: no cover
            raise TypeError(f"not a formula node: {node!r}")


def deparse_lines(node: Node, cutoff: int = 60) -> list[str]:
    """The expression as R's ``deparse(x)`` returns it: pieces of at most about ``cutoff``
    characters (R's ``width.cutoff = 60``), as ``print(summary(m))`` shows a long formula."""
    d = _DeparseLines(cutoff)
    d.node(node)
    return d.lines + [d.cur]


def _children(n: Node) -> tuple:
    if isinstance(n, BinOp):
        return (n.left, n.right)
    if isinstance(n, UnaryOp):
        return (n.operand,)
    if isinstance(n, Paren):
        return (n.expr,)
    if isinstance(n, Call):
        if n.func in STATEFUL_FUNCTIONS:   # only the variable: the other arguments are constants
            x = call_data(n)
            return () if x is None else (x,)
        return tuple(n.args)
    if isinstance(n, Arg):
        return (n.value,)
    return ()


def call_data(call: Call) -> Node | None:
    """The variable of a ``scale()`` or ``poly()`` call: the argument named ``x``, else the first
    one given by position (R's matching, see :mod:`glmmlite.formula_calls`); None if there is
    none."""
    for a in call.args:
        if isinstance(a, Arg) and a.name == "x":
            return a.value
    return next((a for a in call.args if not isinstance(a, Arg)), None)


def _given(arg: Node) -> Given:
    """One argument of a call described for :mod:`glmmlite.formula_calls`."""
    name = arg.name if isinstance(arg, Arg) else None
    v = _unparen(arg.value if isinstance(arg, Arg) else arg)
    if isinstance(v, Logical):
        return Given(name, v.value, True, arg.pos)
    if isinstance(v, Name) and v.id in ("T", "F"):    # R's T and F (unless a column has that name)
        return Given(name, v.id == "T", False, arg.pos)
    if isinstance(v, UnaryOp) and isinstance(_unparen(v.operand), Num):
        value = _unparen(v.operand).value
        return Given(name, -value if v.op == "-" else value, True, arg.pos)
    if isinstance(v, Num):
        return Given(name, v.value, True, arg.pos)
    return Given(name, None, False, arg.pos)


def call_options(call: Call, text: str | None = None) -> ScaleOptions | PolyOptions:
    """The options of a ``scale()`` or ``poly()`` call, its arguments matched as R does.

    Parameters
    ----------
    call : Call
        A call of ``scale`` or ``poly``.
    text : str, optional
        The formula, for an error message that points at the argument.

    Returns
    -------
    ScaleOptions or PolyOptions

    Raises
    ------
    FormulaError
        For arguments R would refuse or glmmlite does not support (see
        :func:`glmmlite.formula_calls.match_scale` and :func:`~glmmlite.formula_calls.match_poly`).
    """
    given = [_given(a) for a in call.args]
    try:
        return (match_poly if call.func == "poly" else match_scale)(given, call.pos)
    except CallArgError as e:
        if text is None:
            raise FormulaError(f"{e.message} (in {deparse(call)})") from None
        raise _error(text, e.pos, e.message) from None


def names_in(node: Node | None) -> list[str]:
    """Column names referenced by ``node``, in order of first appearance, without repeats."""
    out: list[str] = []
    for n in _iter_nodes(node):
        if isinstance(n, Name) and n.id not in out:
            out.append(n.id)
    return out


def _iter_nodes(node: Node | None) -> Iterator[Node]:
    """Every node of the tree, parents before children, left to right (an explicit stack)."""
    if node is None:
        return
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None:
            continue
        yield n
        stack.extend(reversed(_children(n)))


def _has_bar(node: Node | None) -> bool:
    return any(isinstance(n, BinOp) and n.op in ("|", "||") for n in _iter_nodes(node))


def _unparen(node: Node) -> Node:
    while isinstance(node, Paren):
        node = node.expr
    return node


# ----------------------------------------------------------------------------- errors
def _error(text: str, pos: int | None, message: str) -> FormulaError:
    """A FormulaError whose message shows the formula with a caret under ``pos``."""
    if pos is None:
        return FormulaError(f"{message}\n  in formula: {text}")
    pos = max(0, min(pos, len(text)))
    caret = " " * pos + "^"
    return FormulaError(f"{message} (at character {pos + 1})\n  {text}\n  {caret}")


# ----------------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class _Token:
    kind: str   # "name", "num", "op", "end"
    value: str
    pos: int


_OPERATORS = ["||", "%in%", "**", "~", "|", "+", "-", "*", "/", ":", "^", "(", ")", ","]
_NUM_RE = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NAME_RE = re.compile(r"[A-Za-z._][A-Za-z0-9._]*")
_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        # ASCII only: str.isdigit/isalpha accept e.g. '²' and 'é', which the regexes do not match
        if c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            m = _NUM_RE.match(text, i)
            tokens.append(_Token("num", m.group(0), i))
            i = m.end()
            if i < n and text[i] == "L":  # R's integer suffix 1L
                i += 1
            continue
        if c in _NAME_START:
            m = _NAME_RE.match(text, i)
            tokens.append(_Token("name", m.group(0), i))
            i = m.end()
            continue
        if c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                raise _error(text, i, "unterminated backtick-quoted name")
            if j == i + 1:
                raise _error(text, i, "empty backtick-quoted name")
            tokens.append(_Token("name", text[i + 1:j], i))
            i = j + 1
            continue
        if c in "'\"":
            raise _error(text, i, "strings are not allowed in a model formula "
                                  "(write column names without quotes, or in `backticks`)")
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(_Token("op", "^" if op == "**" else op, i))
                i += len(op)
                break
        else:
            if c == "%":
                raise _error(text, i, "unsupported %...% operator (only %in% is allowed)")
            if c.isalnum():
                raise _error(text, i, f"unexpected character {c!r}: write a column name with "
                                      f"non-ASCII characters in `backticks`")
            if c == "=" and text.startswith("==", i):
                raise _error(text, i, "'==' is not allowed in a model formula (for a 0/1 column from a "
                                      "comparison, make the column first)")
            if c == "=":
                tokens.append(_Token("op", "=", i))
                i += 1
                continue
            raise _error(text, i, f"unexpected character {c!r}")
    tokens.append(_Token("end", "", n))
    return tokens


# ----------------------------------------------------------------------------- parser
_BINARY_BP = {  # left binding power; (bp, right-assoc)
    "~": (1, False), "|": (2, False), "||": (2, False), "+": (3, False), "-": (3, False),
    "*": (4, False), "/": (4, False), "%in%": (5, False), ":": (6, False), "^": (8, True),
}
_UNARY_BP = 7  # R: unary minus binds tighter than ':' but looser than '^'
_EQUALS = ("'=' is only allowed for a named argument of scale() or poly(), written name = value, "
           "as poly(x, 2, raw = TRUE) or scale(x, scale = FALSE)")


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.open_parens: list[int] = []
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def advance(self) -> _Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def fail(self, tok: _Token, message: str) -> FormulaError:
        return _error(self.text, tok.pos, message)

    def describe(self, tok: _Token) -> str:
        return "the end of the formula" if tok.kind == "end" else repr(tok.value)

    def enter(self) -> None:
        """Count the parser's recursion (two frames per level of nesting, no wrapper frames);
        beyond MAX_NESTING levels it is a FormulaError, not a RecursionError."""
        self.depth += 1
        if self.depth > 2 * MAX_NESTING + 3:   # + the top level: y ~ a + ... (3 frames)
            raise self.fail(self.tok, f"the formula is nested too deeply (more than {MAX_NESTING} levels "
                                      "of parentheses, function calls, signs or powers)")

    def parse_expr(self, min_bp: int = 0) -> Node:
        self.enter()
        try:
            left = self.parse_prefix()
            while True:
                tok = self.tok
                if tok.kind != "op" or tok.value not in _BINARY_BP:
                    break
                bp, right_assoc = _BINARY_BP[tok.value]
                if bp < min_bp:
                    break
                self.advance()
                if self.tok.kind == "end" or (self.tok.kind == "op" and self.tok.value in (")", ",")):
                    what = "a grouping factor" if tok.value in ("|", "||") else "a term"
                    raise self.fail(self.tok, f"expected {what} after {tok.value!r}, found "
                                              f"{self.describe(self.tok)}")
                right = self.parse_expr(bp if right_assoc else bp + 1)
                left = BinOp(tok.pos, tok.value, left, right)
            return left
        finally:
            self.depth -= 1

    def parse_prefix(self) -> Node:
        self.enter()
        try:
            tok = self.advance()
            if tok.kind == "num":
                return Num(tok.pos, float(tok.value))
            if tok.kind == "name":
                if self.tok.kind == "op" and self.tok.value == "(":
                    return self.parse_call(tok)
                if tok.value in ("TRUE", "FALSE") and self.text[tok.pos] != "`":
                    return Logical(tok.pos, tok.value == "TRUE")
                return Name(tok.pos, tok.value)
            if tok.kind == "op" and tok.value in ("-", "+"):
                if self.tok.kind == "end":
                    raise self.fail(self.tok, f"expected a term after {tok.value!r}")
                operand = self.parse_expr(_UNARY_BP)
                return UnaryOp(tok.pos, tok.value, operand)
            if tok.kind == "op" and tok.value == "(":
                self.open_parens.append(tok.pos)
                if self.tok.kind == "op" and self.tok.value == ")":
                    raise self.fail(self.tok, "empty parentheses '()'")
                inner = self.parse_expr(0)
                self.expect_close(tok)
                self.open_parens.pop()
                return Paren(tok.pos, inner)
            if tok.kind == "end":
                raise self.fail(tok, "unexpected end of formula (a term is missing)")
            if tok.value == ")":
                raise self.fail(tok, "unbalanced parentheses: ')' without a matching '('")
            if tok.value == "=":
                raise self.fail(tok, _EQUALS)
            if tok.value == "~" and self.i == 1:
                raise self.fail(tok, "the formula has no response: write 'y ~ ...' "
                                     "(a binomial GLMM needs a response left of '~')")
            raise self.fail(tok, f"unexpected {tok.value!r}")
        finally:
            self.depth -= 1

    def expect_close(self, open_tok: _Token) -> None:
        tok = self.tok
        if tok.kind == "op" and tok.value == ")":
            self.advance()
            return
        if tok.kind == "end":
            raise _error(self.text, open_tok.pos,
                         "unbalanced parentheses: this '(' is never closed")
        if tok.kind == "op" and tok.value == "=":
            raise self.fail(tok, _EQUALS)
        raise self.fail(tok, f"expected ')' or an operator, found {self.describe(tok)}")

    def parse_call(self, name_tok: _Token) -> Node:
        open_tok = self.advance()  # '('
        args: list[Node] = []
        if self.tok.kind == "op" and self.tok.value == ")":
            self.advance()
            return Call(name_tok.pos, name_tok.value, ())
        while True:
            if self.tok.kind == "op" and self.tok.value in (",", ")"):
                raise self.fail(self.tok, f"missing argument in {name_tok.value}()")
            args.append(self.parse_argument(name_tok.value))
            if self.tok.kind == "op" and self.tok.value == ",":
                self.advance()
                continue
            self.expect_close(open_tok)
            break
        return Call(name_tok.pos, name_tok.value, tuple(args))

    def parse_argument(self, func: str) -> Node:
        """One argument of a call: an expression, or ``name = expression`` (an :class:`Arg`)."""
        nxt = self.tokens[min(self.i + 1, len(self.tokens) - 1)]
        if self.tok.kind == "name" and nxt.kind == "op" and nxt.value == "=":
            name_tok = self.advance()
            self.advance()   # '='
            if self.tok.kind == "end" or (self.tok.kind == "op" and self.tok.value in (",", ")")):
                raise self.fail(self.tok, f"missing value after '{name_tok.value} =' in {func}()")
            return Arg(name_tok.pos, name_tok.value, self.parse_expr(0))
        return self.parse_expr(0)


def parse_expression(text: str) -> Node:
    """Parse one expression (no checks on the functions used)."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string, got {type(text).__name__}")
    p = _Parser(text)
    if p.tok.kind == "end":
        raise _error(text, 0, "empty formula")
    node = p.parse_expr(0)
    if p.tok.kind != "end":
        tok = p.tok
        if tok.value == ")":
            raise p.fail(tok, "unbalanced parentheses: ')' without a matching '('")
        if tok.value == "=":
            raise p.fail(tok, _EQUALS)
        raise p.fail(tok, f"unexpected {p.describe(tok)} (an operator such as '+' is missing?)")
    return node


# ----------------------------------------------------------------------------- terms
@dataclass
class TermSet:
    """The terms of a one-sided formula after R's ``terms.formula`` expansion.

    Attributes
    ----------
    intercept : bool
        Whether the model has an intercept.
    variables : dict
        Variable label (R's deparse, e.g. ``"trt"``, ``"log(x)"``) -> its expression,
        in order of first appearance (R's ``variables`` attribute).
    terms : list of tuple of str
        Each term is a tuple of variable labels, in variable order; terms are sorted
        by degree (main effects, then 2-way interactions, ...) as R does.
    """

    intercept: bool
    variables: dict[str, Node]
    terms: list[tuple[str, ...]]

    @property
    def labels(self) -> list[str]:
        """R's ``term.labels`` (``"trt:sex"``)."""
        return [":".join(t) for t in self.terms]

    def deparse(self) -> str:
        parts = ([] if self.intercept else ["0"]) + self.labels
        return " + ".join(parts) if parts else "1"


class _Encoder:
    """R's ``EncodeVars``: expand formula operators into a list of terms (bit sets)."""

    def __init__(self, text: str, allow_offset: bool):
        self.text = text
        self.variables: dict[str, Node] = {}
        self.order: dict[str, int] = {}
        self.intercept = True
        self.parity = True
        self.offsets: list[Node] = []
        self.allow_offset = allow_offset

    def install(self, node: Node) -> frozenset:
        label = deparse(node)
        if label not in self.order:
            self.order[label] = len(self.order)
            self.variables[label] = node
        return frozenset([label])

    @staticmethod
    def trim(terms: list[frozenset]) -> list[frozenset]:
        """Drop empty and repeated terms, keeping the first occurrence (linear time)."""
        return [t for t in dict.fromkeys(terms) if t]

    def product(self, node: BinOp, left: list[frozenset], right: list[frozenset]) -> list[frozenset]:
        """All unions a | b, refusing expansions beyond MAX_TERMS before building them."""
        if len(left) * len(right) > 50 * MAX_TERMS:
            raise self.too_many(node, len(left) * len(right))
        out = self.trim([a | b for a in left for b in right])
        return out

    def too_many(self, node: Node, k: int) -> FormulaError:
        return _error(self.text, node.pos, f"the formula expands to more than {MAX_TERMS} terms (about {k}): "
                                           "each term is a column of the model matrix; write fewer "
                                           "interactions, e.g. (a + b + c)^2 instead of a * b * c * ...")

    def checked(self, node: Node, terms: list[frozenset]) -> list[frozenset]:
        if len(terms) > MAX_TERMS:
            raise self.too_many(node, len(terms))
        return terms

    def encode(self, node: Node) -> list[frozenset]:
        if isinstance(node, Num):
            if node.value == 1:
                self.intercept = self.parity
                return []
            if node.value == 0:
                self.intercept = not self.parity
                return []
            raise _error(self.text, node.pos, f"invalid model term {_num_label(node.value)}: "
                                              "only 0 and 1 (the intercept) can be numbers")
        if isinstance(node, Logical):
            raise _error(self.text, node.pos, f"invalid model term {deparse(node)}: TRUE and FALSE can only "
                                              "be arguments of scale() or poly(), as scale(x, scale = FALSE)")
        if isinstance(node, Name):
            if node.id == ".":
                raise _error(self.text, node.pos, "'.' (all other columns) is not supported: "
                                                  "list the predictors explicitly")
            return [self.install(node)]
        if isinstance(node, Call):
            return self.encode_call(node)
        if isinstance(node, Paren):
            return self.encode(node.expr)
        if isinstance(node, UnaryOp):
            if node.op == "+":
                return self.encode(node.operand)
            self.parity = not self.parity
            self.encode(node.operand)
            self.parity = not self.parity
            return []
        if isinstance(node, BinOp):
            first, chain = _left_spine(node)
            if not chain:
                return self.encode_binop(node, None)
            acc = self.encode(first)
            for b in chain:      # a + b + c + ...: a loop along the chain, not recursion
                acc = self.encode_binop(b, acc)
            return acc
        raise _error(self.text, getattr(node, "pos", None), "invalid model term")  # pragma: no cover

    def encode_binop(self, node: BinOp, left: list[frozenset] | None) -> list[frozenset]:
        """One operator; ``left`` is the encoded left operand when the caller has it already."""
        op = node.op
        if op in ("|", "||"):
            raise _error(self.text, node.pos,
                         "a random-effect term must be in parentheses and added with '+', "
                         "e.g. y ~ x + (1 | g)")
        if op == "~":
            raise _error(self.text, node.pos, "more than one '~' in the formula")
        if op == "^":
            power = _unparen(node.right)
            if not (isinstance(power, Num) and power.value >= 1 and float(power.value).is_integer()):
                raise _error(self.text, node.right.pos,
                             "the power in (...)^n must be a positive whole number")
            if power.value > 2 ** 31 - 1:   # R: asInteger() of the power
                raise _error(self.text, node.right.pos, "invalid power in formula (more than 2^31 - 1)")
            base = self.encode(node.left) if left is None else left
            result = base
            for _ in range(int(power.value) - 1):
                new = self.product(node, base, result)
                self.checked(node, new)
                if new == result:   # every interaction is in: higher powers change nothing
                    break
                result = new
            return self.trim(result)
        if left is None:
            left = self.encode(node.left)
        if op == "-":
            self.parity = not self.parity
            right = self.encode(node.right)
            self.parity = not self.parity
            drop = set(right)
            return [t for t in left if t not in drop]
        right = self.encode(node.right)
        if op == "+":
            return self.checked(node, self.trim(left + right))
        if op == ":":
            return self.checked(node, self.product(node, left, right))
        if op == "*":
            return self.checked(node, self.trim(left + right + self.product(node, left, right)))
        if op == "/":
            allleft = frozenset().union(*left) if left else frozenset()
            return self.checked(node, self.trim(left + [allleft | b for b in right]))
        if op == "%in%":
            allright = frozenset().union(*right) if right else frozenset()
            return self.checked(node, self.trim([a | allright for a in left]))
        raise _error(self.text, node.pos, "invalid model term")  # pragma: no cover

    def encode_call(self, node: Call) -> list[frozenset]:
        f = node.func
        if f == "offset":
            if not self.allow_offset:
                raise _error(self.text, node.pos, "offset() is not allowed here")
            if len(node.args) != 1:
                raise _error(self.text, node.pos, "offset() takes exactly one argument")
            _check_numeric_expr(node.args[0], self.text)
            self.offsets.append(node.args[0])
            return []
        if f in FACTOR_FUNCTIONS:
            if len(node.args) != 1 or not isinstance(_unparen(node.args[0]), Name):
                raise _error(self.text, node.pos, f"{f}() takes one column name")
            return [self.install(node)]
        if f in STATEFUL_FUNCTIONS:
            call_options(node, self.text)
            _check_numeric_expr(call_data(node), self.text)
            return [self.install(node)]
        if f in NUMERIC_FUNCTIONS:
            if len(node.args) == 1 and isinstance(node.args[0], Arg):
                raise _error(self.text, node.pos, f"{f}() takes one argument, without a name (named "
                                                  "arguments are only allowed in scale() and poly())")
            if len(node.args) != 1:
                raise _error(self.text, node.pos, f"{f}() takes exactly one argument")
            _check_numeric_expr(node.args[0], self.text)
            return [self.install(node)]
        if f == "cbind":
            raise _error(self.text, node.pos, "cbind() is only allowed as the response (left of '~')")
        raise _unknown_function(self.text, node)

    def termset(self, terms: list[frozenset]) -> TermSet:
        # sort by degree, stable (R's terms.formula with keep.order = FALSE)
        terms = sorted(terms, key=len)
        ordered = [tuple(sorted(t, key=self.order.__getitem__)) for t in terms]
        used = {v for t in ordered for v in t}
        variables = {k: v for k, v in self.variables.items() if k in used}
        return TermSet(self.intercept, variables, ordered)


def _unknown_function(text: str, node: Call) -> FormulaError:
    allowed = sorted(set(NUMERIC_FUNCTIONS) | set(FACTOR_FUNCTIONS) | set(_SPECIAL_FUNCTIONS)
                     | set(STATEFUL_FUNCTIONS))
    return _error(text, node.pos, f"function {node.func}() is not supported in a formula "
                                  f"(formulas are parsed, not evaluated); allowed: "
                                  f"{', '.join(allowed)}")


def _check_numeric_expr(node: Node, text: str) -> None:
    """Arithmetic on columns: names, numbers, + - * / ^, parentheses, whitelisted functions."""
    for n in _iter_nodes(node):
        if isinstance(n, Call) and n.func == "poly":
            raise _error(text, n.pos, f"{deparse(n)} gives several columns, so it cannot be part of an "
                                      "expression: use it as a term of its own, e.g. y ~ poly(x, 2) + (1 | g)")
        if isinstance(n, BinOp) and n.op not in ("+", "-", "*", "/", "^"):
            raise _error(text, n.pos, f"operator {n.op!r} is not allowed in arithmetic "
                                      f"(inside {deparse(node)})")
        if isinstance(n, Arg):
            raise _error(text, n.pos, f"named argument {n.name} = is only allowed in scale() and poly()")
        if isinstance(n, Logical):
            raise _error(text, n.pos, f"{deparse(n)} can only be an argument of scale() or poly(), "
                                      "as scale(x, scale = FALSE)")
        if isinstance(n, Call) and n.func == "scale":
            call_options(n, text)      # its variable is walked next; the other arguments are constants
        elif isinstance(n, Call) and n.func not in NUMERIC_FUNCTIONS:
            raise _unknown_function(text, n)
        elif isinstance(n, Call) and any(isinstance(a, Arg) for a in n.args):
            raise _error(text, n.pos, f"{n.func}() takes one argument, without a name (named "
                                      "arguments are only allowed in scale() and poly())")
        elif isinstance(n, Call) and len(n.args) != 1:
            raise _error(text, n.pos, f"{n.func}() takes exactly one argument")


def evaluate_numeric(node: Node, columns: Mapping[str, np.ndarray],
                     transforms: Mapping[str, tuple] | None = None) -> np.ndarray:
    """Compute an arithmetic expression on columns by walking its tree (no ``eval``).

    Parameters
    ----------
    node : Node
        Built from names, numbers, ``+ - * / ^``, parentheses and the functions in
        :data:`NUMERIC_FUNCTIONS` and :data:`STATEFUL_FUNCTIONS`.
    columns : mapping
        Column name -> float array.
    transforms : mapping, optional
        ``deparse`` of a ``scale(...)`` call -> its (centre, scale), those of the fitted data
        (see :func:`scale_stats`), and of an orthogonal ``poly(...)`` call -> its (alpha,
        norm2) (:func:`poly_coefs`).  A call not in it is computed on ``columns`` themselves
        (raw powers, ``poly(x, 2, raw = TRUE)``, need no numbers).

    Returns
    -------
    ndarray of float64
    """
    if isinstance(node, Name):
        return np.asarray(columns[node.id], dtype=float)
    if isinstance(node, Num):
        return np.float64(node.value)
    if isinstance(node, Paren):
        return evaluate_numeric(node.expr, columns, transforms)
    if isinstance(node, UnaryOp):
        v = evaluate_numeric(node.operand, columns, transforms)
        return -v if node.op == "-" else v
    if isinstance(node, Call) and node.func in STATEFUL_FUNCTIONS:
        return _evaluate_stateful(node, columns, transforms)
    if isinstance(node, Call):
        fn = NUMERIC_FUNCTIONS[node.func]
        v = evaluate_numeric(node.args[0], columns, transforms)
        if fn is None:
            return v
        with np.errstate(all="ignore"):
            return fn(v)
    if isinstance(node, BinOp):
        if node.op == "^":
            a = evaluate_numeric(node.left, columns, transforms)
            b = evaluate_numeric(node.right, columns, transforms)
            with np.errstate(all="ignore"):
                return np.power(a, b)
        first, chain = _left_spine(node)   # a + b - c * d ...: left to right, by a loop
        acc = evaluate_numeric(first, columns, transforms)
        for b_node in chain:
            b = evaluate_numeric(b_node.right, columns, transforms)
            with np.errstate(all="ignore"):
                if b_node.op == "+":
                    acc = acc + b
                elif b_node.op == "-":
                    acc = acc - b
                elif b_node.op == "*":
                    acc = acc * b
                elif b_node.op == "/":
                    acc = acc / b
                else:
                    raise FormulaError(f"cannot compute {deparse(node)!r} as a number")
        return acc
    raise FormulaError(f"cannot compute {deparse(node)!r} as a number")


def _evaluate_stateful(node: Call, columns: Mapping[str, np.ndarray],
                       transforms: Mapping[str, tuple] | None) -> np.ndarray:
    """``scale(...)`` or ``poly(...)`` on ``columns``, with the fit's numbers when ``transforms``
    has them (raw powers need none)."""
    opts = call_options(node)
    v = np.asarray(evaluate_numeric(call_data(node), columns, transforms), dtype=float)
    key = deparse(node)
    stored = transforms[key] if transforms is not None and key in transforms else None
    if isinstance(opts, PolyOptions):
        if opts.raw:
            return poly_raw_columns(v, opts.degree)
        alpha, norm2 = stored if stored is not None else poly_coefs(v, opts.degree, key)
        return poly_columns(v, alpha, norm2)
    center, sd = stored if stored is not None else scale_stats(v, key, opts.center, opts.scale)
    return (v - center) / sd


def stateful_calls(nodes: Iterable[Node]) -> list[Call]:
    """The ``scale(...)`` and ``poly(...)`` calls in ``nodes``, innermost first (so
    ``scale(scale(x))``'s inner call comes before the outer one), each once."""
    out: dict[str, Call] = {}
    for node in nodes:
        for n in reversed(list(_iter_nodes(node))):
            if isinstance(n, Call) and n.func in STATEFUL_FUNCTIONS:
                out.setdefault(deparse(n), n)
    return list(out.values())


def poly_coefs(values: np.ndarray, degree: int, label: str) -> tuple[np.ndarray, np.ndarray]:
    """R's ``poly(x, degree)`` coefficients (its ``attr(, "coefs")``: ``alpha`` and ``norm2``)
    from the values that are not missing, by R's own route: the QR decomposition of the centred
    powers ``1, x, ..., x^degree``.

    Raises
    ------
    FormulaError
        With infinite values, or a degree not below the number of distinct values (R:
        "'degree' must be less than number of unique points").
    """
    v = np.asarray(values, dtype=float).ravel()
    v = v[~np.isnan(v)]
    if not np.all(np.isfinite(v)):
        raise FormulaError(f"{label}: the variable has infinite values, so no polynomial can be fitted to it")
    k = np.unique(v).size
    if degree >= k:
        raise FormulaError(f"{label}: the degree ({degree}) must be less than the number of distinct values of "
                           f"the variable ({k}) (R: 'degree' must be less than number of unique points)")
    xbar = float(v.mean())
    q, r = np.linalg.qr(np.vander(v - xbar, degree + 1, increasing=True))
    z = q * np.diag(r)
    norm2 = np.sum(z ** 2, axis=0)
    alpha = (np.sum((v - xbar)[:, None] * z ** 2, axis=0) / norm2 + xbar)[:degree]
    return alpha, np.concatenate([[1.0], norm2])


def poly_columns(x: np.ndarray, alpha: np.ndarray, norm2: np.ndarray) -> np.ndarray:
    """The orthogonal polynomials of degree 1, ..., len(alpha) at ``x`` (n x degree), by the
    three-term recurrence R's ``predict.poly`` uses; NaN rows stay NaN."""
    x = np.asarray(x, dtype=float)
    degree = len(alpha)
    z = np.ones((x.size, degree + 1))
    z[:, 1] = x - alpha[0]
    for i in range(1, degree):
        z[:, i + 1] = (x - alpha[i]) * z[:, i] - (norm2[i + 1] / norm2[i]) * z[:, i - 1]
    return z[:, 1:] / np.sqrt(norm2[2:])


def poly_raw_columns(x: np.ndarray, degree: int) -> np.ndarray:
    """R's ``poly(x, degree, raw = TRUE)``: the powers ``x, x^2, ..., x^degree`` (n x degree),
    nothing computed from the data, so new data need no stored numbers; NaN rows stay NaN."""
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        return x[:, None] ** np.arange(1, degree + 1)


def scale_stats(values: np.ndarray, label: str, center: bool = True,
                scale: bool = True) -> tuple[float, float]:
    """R's ``scale(x, center, scale)`` on the values that are not missing: the centre (the mean,
    or 0 with ``center = FALSE``) and the scale (``scale = FALSE``: 1), R's ``scale.default``
    divisor ``sqrt(sum(v^2) / max(1, n - 1))`` of the centred values ``v``: the standard
    deviation when centring, the root mean square of ``x`` when not.

    Raises
    ------
    FormulaError
        When centring and scaling with fewer than two values, centring or scaling with none or
        with infinite values, or when the scale is 0 (R would divide by 0 and fill the column
        with NaN).
    """
    if not center and not scale:            # R returns x unchanged
        return 0.0, 1.0
    v = np.asarray(values, dtype=float).ravel()
    v = v[~np.isnan(v)]
    need = 2 if center and scale else 1
    if v.size < need or not np.all(np.isfinite(v)):
        what = "centre and scale" if center and scale else ("centre" if center else "scale")
        raise FormulaError(f"{label} needs at least {'two' if need == 2 else 'one'} finite value"
                           f"{'s' if need == 2 else ''} to {what}; the data give {v.size} non-missing value(s)"
                           f"{'' if np.all(np.isfinite(v)) else ', some infinite'}")
    mid = float(v.mean()) if center else 0.0
    if not scale:
        return mid, 1.0
    sd = float(np.sqrt(np.sum((v - mid) ** 2) / max(1, v.size - 1)))
    if not sd > 0:
        if center:
            raise FormulaError(f"{label}: every value is {mid:.6g}, so its standard deviation is 0 "
                               "and it cannot be scaled (R would give a column of NaN); leave it out or use "
                               "a variable that varies")
        raise FormulaError(f"{label}: every value is 0, so it cannot be scaled (R would give a column of NaN)")
    return mid, sd


# ----------------------------------------------------------------------------- random part
@dataclass
class RandomSpec:
    """One random-effect term ``(lhs | group)`` after ``||`` and ``/`` expansion.

    Attributes
    ----------
    lhs : TermSet
        The terms of the left side (its model matrix gives the term's columns).
    group : tuple of str
        Column names whose interaction is the grouping factor (``("g2", "g1")`` for
        ``g2:g1``).
    text : str
        The term as lme4 deparses it (``"1 | id"``, ``"0 + x | g"``).
    """

    lhs: TermSet
    group: tuple[str, ...]
    text: str
    label: str | None = None

    @property
    def group_label(self) -> str:
        """The grouping-factor label as lme4 prints it (``"id"``, ``"g2:g1"``, and for
        ``a/b/c`` lme4's nested interaction ``"c:(b:a)"``)."""
        return self.label if self.label is not None else ":".join(_name_label(g) for g in self.group)


def _group_components(text: str, node: Node) -> list[tuple[tuple[str, ...], str]]:
    """Grouping expression -> list of grouping factors (tuples of column names) and their labels.

    ``a`` -> [(a,)]; ``a:b`` -> [(a, b)]; ``a/b`` -> [(b, a), (a,)];
    ``a/b/c`` -> [(c, b, a), (b, a), (a,)] (lme4's ``expandSlash``/``makeInteraction``),
    labelled as R deparses makeInteraction's calls: ``c:(b:a)``, ``b:a``, ``a``.
    """
    node = _unparen(node)

    def interaction(n: Node) -> tuple[str, ...]:
        out: list[str] = []
        stack = [n]                  # an explicit stack, left operand first
        while stack:
            n = _unparen(stack.pop())
            if isinstance(n, Name):
                out.append(n.id)
            elif isinstance(n, BinOp) and n.op == ":":
                stack.append(n.right)
                stack.append(n.left)
            elif isinstance(n, BinOp) and n.op == "/":
                raise _error(text, n.pos, "nesting '/' inside ':' is not supported in a grouping factor")
            elif isinstance(n, Num):
                raise _error(text, n.pos, "a grouping factor must be a column name, not a number")
            else:
                raise _error(text, n.pos, f"unsupported grouping factor {deparse(n)!r}: use a column "
                                          "name, g1:g2 (interaction) or g1/g2 (nesting)")
        return tuple(out)

    def slash_terms(n: Node) -> list[tuple[str, ...]]:
        rights: list[Node] = []
        n = _unparen(n)
        while isinstance(n, BinOp) and n.op == "/":
            if any(isinstance(m, BinOp) and m.op == "/" for m in _iter_nodes(n.right)):
                raise _error(text, n.pos, "unparseable grouping factor: write a/b/c, not a/(b/c)")
            rights.append(n.right)
            n = _unparen(n.left)
        return [interaction(n)] + [interaction(r) for r in reversed(rights)]

    comps = slash_terms(node)
    parts = [":".join(_name_label(x) for x in c) for c in comps]
    labels = [parts[0]]
    for k in range(1, len(comps)):
        # makeInteraction builds `c`:(`b`:`a`): a ':' call on the right of ':' deparses in
        # parentheses (lme4 prints the groups of (1 | a/b/c) as c:(b:a), b:a, a)
        inner = labels[-1]
        labels.append(parts[k] + ":" + ("(%s)" % inner if ":" in inner else inner))
    out: list[tuple[tuple[str, ...], str]] = []
    for k in range(len(comps), 0, -1):
        g: tuple[str, ...] = ()
        for c in reversed(comps[:k]):
            g += c
        out.append((g, labels[k - 1]))
    return out


def _random_specs(text: str, bar: BinOp) -> list[RandomSpec]:
    lhs_node, group_node = bar.left, bar.right
    if _has_bar(lhs_node) or _has_bar(group_node):
        raise _error(text, bar.pos, "nested '|' inside a random-effect term")
    groups = _group_components(text, group_node)
    enc = _Encoder(text, allow_offset=False)
    terms = enc.encode(lhs_node)
    lhs = enc.termset(terms)
    if not lhs.intercept and not lhs.terms:
        raise _error(text, lhs_node.pos, "the left side of '|' has no terms (e.g. use (1 | g))")
    if bar.op == "||":  # lme4's expandDoubleVerts: (1|g) + (0 + term|g) for each term
        lhs_list = [TermSet(True, {}, [])] if lhs.intercept else []
        for t in lhs.terms:
            lhs_list.append(TermSet(False, {v: lhs.variables[v] for v in t}, [t]))
    else:
        lhs_list = [lhs]
    specs: list[RandomSpec] = []
    for one in lhs_list:
        for g, label in groups:
            spec = RandomSpec(one, g, "", label)
            if bar.op == "||":
                lhs_text = "1" if not one.terms else "0 + " + one.labels[0]
            else:
                lhs_text = deparse(lhs_node)
            spec.text = f"{lhs_text} | {spec.group_label}"
            specs.append(spec)
    return specs


# ----------------------------------------------------------------------------- formula
@dataclass
class Formula:
    """A parsed lme4 formula.

    Attributes
    ----------
    text : str
        The formula as given.
    response : Node
        The left side of ``~``.
    fixed : TermSet
        The fixed-effect terms (random terms and offsets removed).
    random : list of RandomSpec
        Random-effect terms in formula order (``||`` and ``/`` expanded), *before*
        lme4's reordering by number of levels (which needs the data).
    offsets : list of Node
        The arguments of ``offset(...)`` terms.
    """

    text: str
    response: Node
    fixed: TermSet
    random: list[RandomSpec]
    offsets: list[Node] = field(default_factory=list)

    @property
    def response_label(self) -> str:
        return deparse(self.response)

    def column_names(self) -> list[str]:
        """Every column the formula refers to, in order of appearance."""
        out: list[str] = []
        nodes: list[Node] = [self.response, *self.fixed.variables.values(), *self.offsets]
        for n in nodes:
            for name in names_in(n):
                if name not in out:
                    out.append(name)
        for r in self.random:
            for name in [*(x for v in r.lhs.variables.values() for x in names_in(v)), *r.group]:
                if name not in out:
                    out.append(name)
        return out

    def fixed_formula(self) -> str:
        """The fixed part, lme4's ``nobars(formula)``."""
        return f"{self.response_label} ~ {self.fixed.deparse()}"


def _split_bars(text: str, node: Node) -> tuple[Node | None, list[BinOp]]:
    """lme4's ``findbars``/``nobars``: separate ``(... | g)`` terms from the fixed part.

    The top-level chain ``a + (1 | g) - b + ...`` is walked by a loop.
    """
    chain: list[BinOp] = []
    first = node
    while isinstance(first, BinOp) and first.op in ("+", "-"):
        chain.append(first)
        first = first.left
    chain.reverse()
    fixed, bars = _split_one(text, first)
    for b in chain:
        if b.op == "+":
            rf, rb = _split_one(text, b.right)
            bars += rb
            if rf is not None:
                fixed = rf if fixed is None else BinOp(b.pos, "+", fixed, rf)
        else:
            if _has_bar(b.right):
                raise _error(text, b.right.pos, "a random-effect term cannot be subtracted")
            fixed = UnaryOp(b.pos, "-", b.right) if fixed is None else BinOp(b.pos, "-", fixed, b.right)
    return fixed, bars


def _split_one(text: str, node: Node) -> tuple[Node | None, list[BinOp]]:
    """One operand of the top-level chain: a bar term, or a fixed part without bars.

    A unary plus is R's identity, as in ``y ~ trt + + (1 | id)`` (a doubled '+') or
    ``y ~ + (1 | id)``: R's ``terms()`` and lme4's ``findbars`` ignore it, and so does this.
    """
    while isinstance(node, UnaryOp) and node.op == "+":
        node = node.operand
    if isinstance(node, UnaryOp) and _has_bar(node.operand):
        raise _error(text, node.pos, "a random-effect term cannot be subtracted")
    inner = _unparen(node)
    if isinstance(node, Paren) and isinstance(inner, BinOp) and inner.op in ("|", "||"):
        return None, [inner]
    if isinstance(node, BinOp) and node.op in ("|", "||"):
        raise _error(text, node.pos, "random-effect terms must be in parentheses, e.g. y ~ x + (1 | g)")
    if _has_bar(node):
        bar = next(n for n in _iter_nodes(node) if isinstance(n, BinOp) and n.op in ("|", "||"))
        raise _error(text, bar.pos, "a random-effect term (... | g) must be added with '+' "
                                    f"at the top level, not used inside {deparse(node)!r}")
    return node, []


def _check_response(text: str, node: Node) -> None:
    inner = _unparen(node)
    if isinstance(inner, Call) and inner.func == "cbind":
        if len(inner.args) != 2:
            raise _error(text, inner.pos, "cbind() in the response needs exactly two arguments: "
                                          "cbind(successes, failures)")
        for a in inner.args:
            _check_numeric_expr(a, text)
        return
    if isinstance(inner, Call) and inner.func in FACTOR_FUNCTIONS:
        if len(inner.args) != 1 or not isinstance(_unparen(inner.args[0]), Name):
            raise _error(text, inner.pos, f"{inner.func}() takes one column name")
        return
    if _has_bar(node):
        raise _error(text, node.pos, "'|' is not allowed in the response")
    if isinstance(inner, Num):
        raise _error(text, inner.pos, "the response must be a column, cbind(successes, failures) "
                                      "or a proportion such as successes/trials")
    _check_numeric_expr(node, text)


def parse_formula(text: str) -> Formula:
    """Parse an lme4 formula such as ``"y ~ trt * sex + (1 | id)"``.

    Parameters
    ----------
    text : str
        The formula.  Column names that are not R-syntactic can be written in
        backticks.

    Returns
    -------
    Formula

    Raises
    ------
    FormulaError
        If the formula cannot be parsed (the message shows where), has no response,
        an empty right side, unsupported functions, or no random-effect term.
    """
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be a string such as 'y ~ x + (1 | g)', "
                           f"got {type(text).__name__}")
    if not text.strip():
        raise FormulaError("empty formula: expected something like 'y ~ x + (1 | g)'")
    tree = parse_expression(text)
    if not (isinstance(tree, BinOp) and tree.op == "~"):
        tilde = [n for n in _iter_nodes(tree) if isinstance(n, BinOp) and n.op == "~"]
        if tilde:
            raise _error(text, tilde[0].pos, "'~' must separate the response from the right side "
                                             "at the top level of the formula")
        raise _error(text, None, "the formula has no '~': write 'response ~ terms', "
                                 "e.g. 'y ~ x + (1 | g)'")
    lhs, rhs = tree.left, tree.right
    if isinstance(lhs, BinOp) and lhs.op == "~" or isinstance(rhs, BinOp) and rhs.op == "~":
        raise _error(text, rhs.pos if isinstance(rhs, BinOp) and rhs.op == "~" else lhs.pos,
                     "more than one '~' in the formula")
    _check_response(text, lhs)
    fixed_node, bars = _split_bars(text, rhs)
    enc = _Encoder(text, allow_offset=True)
    if fixed_node is None:
        fixed = TermSet(True, {}, [])
    else:
        fixed = enc.termset(enc.encode(fixed_node))
    random: list[RandomSpec] = []
    for bar in bars:
        random.extend(_random_specs(text, bar))
    if not random:
        raise FormulaError(
            "No random effects terms specified in formula "
            f"'{text}': a GLMM needs at least one term such as (1 | group); "
            "for a model without random effects use a GLM (e.g. statsmodels' GLM "
            "with family Binomial).")
    return Formula(text=text, response=lhs, fixed=fixed, random=random, offsets=enc.offsets)
