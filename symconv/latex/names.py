"""Safe user names for the input, kernel and output of a derivation, and their LaTeX.

A name is a plain identifier: letters, then optional digits (``I``, ``K``, ``S``, ``image``,
``alpha``, ``W1``).  Greek names become Greek letters, other multi-letter names ``\\mathrm{}``,
trailing digits a subscript.  Anything else (``\\input{/etc/passwd}``, ``50%``, ``a&b``) is refused
with a one-line :class:`UnsafeNameError`, so no user text ever reaches TeX as a command.

>>> Names.parse("I,K,S").latex
('I', 'K', 'S')
>>> Names("image", "alpha", "Sigma2").latex
('\\\\mathrm{image}', '\\\\alpha', '\\\\Sigma_{2}')
>>> Names.parse(r"\\input{/etc/passwd},K,S")
Traceback (most recent call last):
...
symconv.latex.names.UnsafeNameError: names: expected plain identifiers (letters, then digits) ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import SymconvError

__all__ = ["Names", "UnsafeNameError", "name_to_latex", "escape_text", "RESERVED"]

_IDENTIFIER = re.compile(r"^([A-Za-z]+)([0-9]*)$")
_MAX_LENGTH = 24

_GREEK_LOWER = frozenset((
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho",
    "sigma", "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega"))
_GREEK_UPPER = frozenset(("Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon",
                          "Phi", "Psi", "Omega"))
#: Greek capitals that look like Latin ones print as the Latin letter.
_GREEK_LATIN = {"Alpha": "A", "Beta": "B", "Epsilon": "E", "Zeta": "Z", "Eta": "H",
                "Iota": "I", "Kappa": "K", "Mu": "M", "Nu": "N", "Omicron": "O", "Rho": "P",
                "Tau": "T", "Chi": "X", "omicron": "o"}

#: Letters the derivations use for indices; a tensor may not be called by one of them.
RESERVED = frozenset("cfijlntuv")

_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                 "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}",
                 "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
                 "|": r"\textbar{}"}


class UnsafeNameError(SymconvError):
    """A user-chosen name is not a plain identifier and will not be given to TeX."""


def escape_text(text: str) -> str:
    """Escape arbitrary text for LaTeX text mode: every special character becomes literal.

    >>> escape_text(r"50% a&b \\input{x}")
    '50\\\\% a\\\\&b \\\\textbackslash{}input\\\\{x\\\\}'
    """
    return "".join(_TEXT_ESCAPES.get(ch, ch) for ch in str(text))


def _check(field: str, name: object) -> str:
    fix = "use letters then digits, e.g. I, K, S, image, alpha or W1"
    if not isinstance(name, str) or not _IDENTIFIER.match(name) or len(name) > _MAX_LENGTH:
        shown = name if isinstance(name, str) else type(name).__name__
        raise UnsafeNameError(f"{field}: expected plain identifiers (letters, then digits) of at "
                              f"most {_MAX_LENGTH} characters, got {shown!r}; {fix}")
    if name in RESERVED:
        raise UnsafeNameError(f"{field}: {name!r} is an index letter of the derivations "
                              f"({', '.join(sorted(RESERVED))}); {fix}")
    return name


def name_to_latex(name: str) -> str:
    """LaTeX for a checked identifier: Greek letter, single letter, or ``\\mathrm{...}``.

    >>> name_to_latex("beta"), name_to_latex("K"), name_to_latex("W12"), name_to_latex("out")
    ('\\\\beta', 'K', 'W_{12}', '\\\\mathrm{out}')
    """
    letters, digits = _IDENTIFIER.match(_check("name", name)).groups()  # type: ignore[union-attr]
    if letters in _GREEK_LOWER or letters in _GREEK_UPPER:
        body = "\\" + letters
    elif letters in _GREEK_LATIN:
        body = _GREEK_LATIN[letters]
    elif len(letters) == 1:
        body = letters
    else:
        body = r"\mathrm{" + letters + "}"
    return f"{body}_{{{digits}}}" if digits else body


@dataclass(frozen=True)
class Names:
    """User names of the input, kernel and output tensors (default ``I``, ``K``, ``S``)."""

    input: str = "I"
    kernel: str = "K"
    output: str = "S"

    def __post_init__(self) -> None:
        values = [_check(f"names.{f}", getattr(self, f)) for f in ("input", "kernel", "output")]
        if len(set(values)) != 3:
            raise UnsafeNameError(f"names: expected three different names, got {values!r}; "
                                  "e.g. --names I,K,S")

    @classmethod
    def parse(cls, text: str) -> Names:
        """``'I,K,S'`` -> ``Names('I', 'K', 'S')``; exactly three comma-separated names."""
        parts = [p.strip() for p in str(text).split(",")]
        if len(parts) != 3:
            raise UnsafeNameError(f"names: expected three comma-separated names INPUT,KERNEL,"
                                  f"OUTPUT, got {len(parts)} in {str(text)!r}; e.g. --names I,K,S")
        for part in parts:
            _check("names", part)
        return cls(*parts)

    @property
    def latex(self) -> tuple[str, str, str]:
        """LaTeX of ``(input, kernel, output)``."""
        return (name_to_latex(self.input), name_to_latex(self.kernel),
                name_to_latex(self.output))
