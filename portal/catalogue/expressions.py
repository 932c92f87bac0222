"""The rule expression language of region-owned forms (issue 11 §3), parsed, never ``eval``-ed.

A rule is a condition over the items of one organization's report, such as
``mentees <= 5 * mentors``, ``sum(pairs_by_form.*) = pairs_groups`` or
``if pairs > 0 then present(pairs_order)``. :func:`parse` reads the text with a LALR grammar
(lark), checks it against the form's item codes and types, and returns an
:class:`Expression`: a small tree of tuples that :meth:`Expression.evaluate` walks.

Logic is three-valued (Kleene): a blank operand makes a comparison unknown (``None``), and a
rule is violated only when its expression is definitely ``False``. Inside ``sum()`` the items
of a wildcard (``prefix.*``) count as zero when blank, as a breakdown's sum always has; an
explicitly named blank item makes the sum unknown.

Hostile input costs little: the text is limited in length and nesting before it is parsed
(the parser itself is iterative), and the checked tree is at most :data:`MAX_DEPTH` deep.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from flask_babel import gettext as _
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from portal.catalogue import kleene

MAX_LENGTH = 2000  # characters of one expression
MAX_PARENTHESES = 20  # nesting of parentheses
MAX_DEPTH = 100  # of the parsed tree: «a + b + …» and «- - - a» nest too

GRAMMAR = r"""
?start: expr
?expr: disj
     | IF disj THEN disj        -> implies
?disj: conj
     | disj OR conj             -> or_
?conj: inv
     | conj AND inv             -> and_
?inv: cmp
    | NOT inv                   -> not_
?cmp: arith
    | arith COMPARE arith       -> compare
?arith: term
      | arith PLUS term         -> arith
      | arith MINUS term        -> arith
?term: factor
     | term TIMES factor        -> arith
     | term DIVIDE factor       -> arith
?factor: atom
       | MINUS factor           -> negate
?atom: NUMBER                   -> number
     | WORD                     -> name
     | WORD "(" [expr ("," expr)*] ")" -> call
     | "(" expr ")"

NUMBER: /\d+(?:[.,]\d+)?/
WORD: /[^\W\d]\w*(?:\.\w+)*(?:\.\*)?/
COMPARE: "<=" | ">=" | "!=" | "==" | "<>" | "=" | "<" | ">" | "≤" | "≥" | "≠"
PLUS: "+"
MINUS: "-" | "−"
TIMES: "*" | "×"
DIVIDE: "/"
%declare IF THEN OR AND NOT
%import common.WS
%ignore WS
"""

# Keywords in either case, and their Russian synonyms.
KEYWORDS = {"if": "IF", "если": "IF", "then": "THEN", "то": "THEN", "or": "OR", "или": "OR",
            "and": "AND", "и": "AND", "not": "NOT", "не": "NOT"}
COMPARISONS = {"<": "<", "<=": "<=", "≤": "<=", "=": "=", "==": "=", ">=": ">=", "≥": ">=",
               ">": ">", "!=": "!=", "<>": "!=", "≠": "!="}
FUNCTIONS = ("sum", "abs", "prev", "present")
BOOL_KINDS = frozenset({"yes_no", "evidence"})  # a bare code of these is a condition
OPAQUE_KINDS = frozenset({"text", "date"})  # only present() can test these
NUM, BOOL = "number", "condition"


class ExpressionError(ValueError):
    """An expression that cannot be used; ``message`` (translated) says what and where."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


def _keyword(token: Token) -> Token:
    kind = KEYWORDS.get(token.value.lower())
    return Token.new_borrow_pos(kind, token.value, token) if kind else token


@cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="basic", propagate_positions=True,
                lexer_callbacks={"WORD": _keyword})


@dataclass(frozen=True)
class Expression:
    """A checked rule expression; evaluate it as often as needed."""

    text: str
    tree: tuple
    codes: tuple[str, ...]  # every item code referred to, wildcards expanded, in order
    blamed: tuple[str, ...]  # the codes a violation is shown at (of «then» for an implication)

    def evaluate(self, values: Mapping[str, Any],
                 previous: Mapping[str, Any] | None = None) -> bool | None:
        """True, False, or None when a blank makes the answer unknown.

        ``values`` maps item codes to Decimal (numeric items), bool (yes_no, evidence), other
        values for text and date items, or None for a blank; ``previous`` the same for the
        previous period.
        """
        with decimal.localcontext() as context:
            context.traps[decimal.DivisionByZero] = True
            return kleene.evaluate(self.tree, values, previous or {})


def parse(text: str, known_codes: Iterable[str] | Mapping[str, str]) -> Expression:
    """Parse and check ``text`` against the form's items.

    ``known_codes`` is the items' codes in form order, or a mapping code → item kind
    (``ItemKind`` values) so that yes/no, evidence, text and date items are typed; without
    kinds every item is numeric. Raises :class:`ExpressionError`.
    """
    kinds = dict(known_codes) if isinstance(known_codes, Mapping) \
        else dict.fromkeys(known_codes, "count")
    text = text if isinstance(text, str) else ""
    if not text.strip():
        raise ExpressionError(_("The expression is empty."))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(_("The expression is too long: %(length)d characters, at most "
                                "%(limit)d.", length=len(text), limit=MAX_LENGTH))
    _check_parentheses(text)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text) from None
    _check_depth(tree)
    checker = _Checker(kinds)
    node, kind = checker.check(tree)
    if kind is not BOOL:
        raise ExpressionError(_("The rule must be a condition: a comparison (such as «<=» or "
                                "«=») is missing."))
    consequent = checker.consequent_codes if node[0] == "implies" else checker.codes
    return Expression(text, node, tuple(dict.fromkeys(checker.codes)),
                      tuple(dict.fromkeys(consequent)))


def _check_parentheses(text: str) -> None:
    opened: list[int] = []
    for column, char in enumerate(text, start=1):
        if char == "(":
            opened.append(column)
            if len(opened) > MAX_PARENTHESES:
                raise ExpressionError(_("The expression is nested too deeply (at column "
                                        "%(column)d).", column=column), column)
        elif char == ")":
            if not opened:
                raise ExpressionError(_("Unbalanced parentheses: «)» at column %(column)d has "
                                        "no matching «(».", column=column), column)
            opened.pop()
    if opened:
        raise ExpressionError(_("Unbalanced parentheses: «(» at column %(column)d is never "
                                "closed.", column=opened[-1]), opened[-1])


def _syntax_error(exc: UnexpectedInput, text: str) -> ExpressionError:
    column = getattr(exc, "column", 0) or 0
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        return ExpressionError(_("Unexpected character «%(char)s» at column %(column)d.",
                                 char=char, column=column), column)
    token = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedEOF) or token is None or token.type == "$END":
        return ExpressionError(_("The expression ends too early: something is missing at its "
                                 "end (a number, an item code or a closing part)."), len(text))
    column = token.column or 0
    if token.type == "COMPARE" and isinstance(exc, UnexpectedToken) \
            and "AND" in exc.accepts | exc.expected:
        return ExpressionError(_("Comparisons cannot be chained (column %(column)d): join "
                                 "them with «and».", column=column), column)
    return ExpressionError(_("Unexpected «%(token)s» at column %(column)d.", token=token.value,
                             column=column), column)


def _check_depth(tree: Tree) -> None:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            column = _column(node)
            raise ExpressionError(_("The expression is nested too deeply (at column "
                                    "%(column)d).", column=column), column)
        if isinstance(node, Tree):
            stack += [(child, depth + 1) for child in node.children]


def _column(node: Tree | Token) -> int:
    return (node.column if isinstance(node, Token) else getattr(node.meta, "column", 0)) or 0


class _Checker:
    """Lark tree → tuple tree, with every name and type checked (raises ExpressionError)."""

    def __init__(self, kinds: dict[str, str]) -> None:
        self.kinds = kinds
        self.codes: list[str] = []
        self.consequent_codes: list[str] = []

    def check(self, node: Tree | Token) -> tuple[tuple, str]:
        """The checked node and its type (NUM or BOOL)."""
        if isinstance(node, Token):  # only a bare number or name reaches here unwrapped
            return self.check(Tree("number" if node.type == "NUMBER" else "name", [node]))
        return getattr(self, "_" + node.data)(node)

    def expect(self, node, wanted: str, operator: Token) -> tuple:
        checked, kind = self.check(node)
        if kind is wanted:
            return checked
        column = operator.column or 0
        if wanted is NUM:
            raise ExpressionError(_("«%(op)s» at column %(column)d needs numbers, not "
                                    "conditions.", op=operator.value, column=column), column)
        raise ExpressionError(_("«%(op)s» at column %(column)d joins conditions, not numbers: "
                                "add a comparison such as «> 0».", op=operator.value,
                                column=column), column)

    def _number(self, node: Tree) -> tuple[tuple, str]:
        return ("num", Decimal(node.children[0].value.replace(",", "."))), NUM

    def _name(self, node: Tree) -> tuple[tuple, str]:
        token = node.children[0]
        if token.value.endswith(".*"):
            raise ExpressionError(_("«%(code)s» at column %(column)d: a wildcard «prefix.*» may "
                                    "only be used inside sum().", code=token.value,
                                    column=token.column), token.column)
        kind = self.known(token)
        if kind in OPAQUE_KINDS:
            raise ExpressionError(_("«%(code)s» at column %(column)d is a text or date item: "
                                    "only present(%(code)s) can test it.", code=token.value,
                                    column=token.column), token.column)
        return ("code", token.value), BOOL if kind in BOOL_KINDS else NUM

    def known(self, token: Token) -> str:
        if token.value not in self.kinds:
            raise ExpressionError(_("Unknown item code «%(code)s» at column %(column)d.",
                                    code=token.value, column=token.column), token.column)
        self.codes.append(token.value)
        return self.kinds[token.value]

    def _negate(self, node: Tree) -> tuple[tuple, str]:
        return ("neg", self.expect(node.children[1], NUM, node.children[0])), NUM

    def _arith(self, node: Tree) -> tuple[tuple, str]:
        left, operator, right = node.children
        checked = ("arith", operator.type, self.expect(left, NUM, operator),
                   self.expect(right, NUM, operator))
        if operator.type == "DIVIDE" and checked[3] == ("num", Decimal(0)):
            raise ExpressionError(_("Division by zero at column %(column)d.",
                                    column=operator.column), operator.column)
        return checked, NUM

    def _compare(self, node: Tree) -> tuple[tuple, str]:
        left, operator, right = node.children
        return ("cmp", COMPARISONS[operator.value], self.expect(left, NUM, operator),
                self.expect(right, NUM, operator)), BOOL

    def _and_(self, node: Tree) -> tuple[tuple, str]:
        left, operator, right = node.children
        return ("and", self.expect(left, BOOL, operator), self.expect(right, BOOL, operator)), BOOL

    def _or_(self, node: Tree) -> tuple[tuple, str]:
        left, operator, right = node.children
        return ("or", self.expect(left, BOOL, operator), self.expect(right, BOOL, operator)), BOOL

    def _not_(self, node: Tree) -> tuple[tuple, str]:
        return ("not", self.expect(node.children[1], BOOL, node.children[0])), BOOL

    def _implies(self, node: Tree) -> tuple[tuple, str]:
        if_, condition, then, consequent = node.children
        checked_condition = self.expect(condition, BOOL, if_)
        start = len(self.codes)
        checked_consequent = self.expect(consequent, BOOL, then)
        self.consequent_codes = self.codes[start:]
        return ("implies", checked_condition, checked_consequent), BOOL

    def _call(self, node: Tree) -> tuple[tuple, str]:
        name, *arguments = node.children
        arguments = [a for a in arguments if a is not None]
        function = name.value.lower()
        if function not in FUNCTIONS:
            raise ExpressionError(_("Unknown function «%(name)s» at column %(column)d: use sum, "
                                    "abs, prev or present.", name=name.value,
                                    column=name.column), name.column)
        if function == "sum":
            return self.sum(name, arguments), NUM
        if function == "abs":
            if len(arguments) != 1:
                raise ExpressionError(_("abs() at column %(column)d takes one number.",
                                        column=name.column), name.column)
            return ("abs", self.expect(arguments[0], NUM, name)), NUM
        return self.of_item(function, name, arguments)

    def sum(self, name: Token, arguments: list) -> tuple:
        if not arguments:
            raise ExpressionError(_("sum() at column %(column)d needs at least one argument.",
                                    column=name.column), name.column)
        terms, prefixes = [], []
        for argument in arguments:
            token = _bare_name(argument)
            if token is not None and token.value.endswith(".*"):
                prefixes.append(self.wildcard(token))
            else:
                terms.append(self.expect(argument, NUM, name))
        return ("sum", tuple(terms), tuple(prefixes))

    def wildcard(self, token: Token) -> str:
        prefix = token.value[:-1]
        matched = [code for code, kind in self.kinds.items() if code.startswith(prefix)
                   and kind not in BOOL_KINDS | OPAQUE_KINDS]
        if not matched:
            raise ExpressionError(_("No numeric item code starts with «%(prefix)s» (column "
                                    "%(column)d).", prefix=prefix, column=token.column),
                                  token.column)
        self.codes += matched
        return prefix

    def of_item(self, function: str, name: Token, arguments: list) -> tuple[tuple, str]:
        token = _bare_name(arguments[0]) if len(arguments) == 1 else None
        if token is None or token.value.endswith(".*"):
            raise ExpressionError(_("%(name)s() at column %(column)d takes one item code.",
                                    name=function, column=name.column), name.column)
        kind = self.known(token)
        if function == "present":
            return ("present", token.value), BOOL
        if kind in BOOL_KINDS | OPAQUE_KINDS:
            raise ExpressionError(_("prev() at column %(column)d needs a numeric item, not "
                                    "«%(code)s».", column=name.column, code=token.value),
                                  name.column)
        return ("prev", token.value), NUM


def _bare_name(node: Tree | Token) -> Token | None:
    if isinstance(node, Token) and node.type == "WORD":
        return node
    if isinstance(node, Tree) and node.data == "name":
        return node.children[0]
    return None
